package caddymodule

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/verigate/caddy-iamport/internal/portone"
	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// benchPortOneJSON is benchVerifyJSON with the PortOne V2 source.
const benchPortOneJSON = `{
	"portone": {"api_secret": "sandbox_portone_secret", "api_base": "http://sandbox.invalid"},
	"ci_hash_key": "bench-ci-hash-key",
	"verify": [{"method": ["POST"], "path": ["/signup"]}],
	"min_age": 19
}`

// benchV2SignupBody is the body of a verified V2 signup.
var benchV2SignupBody = []byte(`{"identityVerificationId":"` + sandbox.AdultV2ID + `","nick":"kim","email":"kim@example.com"}`)

// newBenchPortOne provisions a Verify from benchPortOneJSON as Caddy would,
// then points its PortOne client at rt (in memory, no sockets) with the
// same discarding Info-level JSON logger as newBenchVerify. With assertion
// set, it also signs an assertion with a P-256 key from a key file, as
// newBenchVerify does.
func newBenchPortOne(b testing.TB, singleUse string, rt http.RoundTripper, assertion ...bool) *Verify {
	b.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	b.Cleanup(cancel)
	v := new(Verify)
	if err := json.Unmarshal([]byte(benchPortOneJSON), v); err != nil {
		b.Fatal(err)
	}
	v.SingleUse = singleUse
	if len(assertion) > 0 && assertion[0] {
		v.Assertion = &Assertion{Audience: "https://app.example", KeyFiles: []string{benchKeyFile(b)}}
	}
	if err := v.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Cleanup() })
	v.logger = zap.New(zapcore.NewCore(
		zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	c, err := portone.New(portone.Config{
		BaseURL:    "http://sandbox.invalid",
		Secret:     sandbox.DefaultPortOneSecret,
		HTTPClient: &http.Client{Transport: rt},
		Observer:   apiObserver{},
	})
	if err != nil {
		b.Fatal(err)
	}
	v.source = c
	return v
}

// benchRecordedV2Answer asks the sandbox for the V2 adult once and replays
// those bytes for every lookup.
func benchRecordedV2Answer(b testing.TB) *benchReplayTransport {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://sandbox.invalid/identity-verifications/"+sandbox.AdultV2ID, nil)
	req.Header.Set("Authorization", "PortOne "+sandbox.DefaultPortOneSecret)
	resp, _ := benchSandboxTransport{sandbox.New(sandbox.Config{})}.RoundTrip(req)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("V2 adult: %d %s", resp.StatusCode, body)
	}
	return &benchReplayTransport{cert: body}
}

// BenchmarkVerificationPortOne is BenchmarkVerification with the PortOne
// V2 source: the same request path, with one GET
// /identity-verifications/{id} (no token) instead of the cached-token
// certification call. sandbox/* and replay/* and single_use_* mean what
// they mean there; +assertion adds an ES256 assertion.
func BenchmarkVerificationPortOne(b *testing.B) {
	type transport struct {
		name string
		rt   func(*testing.B) http.RoundTripper
	}
	transports := []transport{
		{"sandbox", func(*testing.B) http.RoundTripper { return benchSandboxTransport{sandbox.New(sandbox.Config{})} }},
		{"replay", func(b *testing.B) http.RoundTripper { return benchRecordedV2Answer(b) }},
	}
	for _, tr := range transports {
		for _, variant := range []string{"off", "on", "on+assertion"} {
			mode, _, signed := strings.Cut(variant, "+")
			b.Run(tr.name+"/single_use_"+variant, func(b *testing.B) {
				benchVerifications(b, newBenchPortOne(b, mode, tr.rt(b), signed), benchV2SignupBody, sandbox.AdultV2ID, signed)
			})
		}
	}
}

// TestBenchPortOneServes keeps the V2 benchmark set-up honest when only
// tests run: a verification through the in-memory sandbox passes with one
// V2 call and no V1 call, and the replayed answer passes too.
func TestBenchPortOneServes(t *testing.T) {
	srv := sandbox.New(sandbox.Config{})
	for _, rt := range []http.RoundTripper{benchSandboxTransport{srv}, benchRecordedV2Answer(t)} {
		v := newBenchPortOne(t, "on", rt)
		benchServeSignup(t, v, benchV2SignupBody)
		// Both handlers share one pooled memory store (same settings).
		if err := v.store.Release(context.Background(), sandbox.AdultV2ID); err != nil {
			t.Fatal(err)
		}
	}
	if s := srv.Stats(); s.IdentityVerifications != 1 || s.GetToken != 0 || s.Certifications != 0 {
		t.Fatalf("sandbox stats %+v, want exactly one V2 call", s)
	}
}
