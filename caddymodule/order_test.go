package caddymodule

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// TestAReplayedStaleIDIsExpiredNotReused proves the README's order of
// checks where freshness and single use meet: an id that passed once and
// is replayed after max_verification_age answers verification_expired
// (freshness comes before single use), while the same replay inside the
// age answers imp_uid_reused. The policy's clock is moved forward instead
// of waiting.
func TestAReplayedStaleIDIsExpiredNotReused(t *testing.T) {
	v := newBenchVerify(t, "on", benchSandboxTransport{sandbox.New(sandbox.Config{})})
	serve := func() (status int, code string, passed bool) {
		r := benchRequest(http.MethodPost, "/signup", http.Header{"Content-Type": {"application/json"}})
		r.Body = io.NopCloser(bytes.NewReader(benchSignupBody))
		r.ContentLength = int64(len(benchSignupBody))
		rec := httptest.NewRecorder()
		next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
			passed = true
			return nil
		})
		if err := v.ServeHTTP(rec, r, next); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		return rec.Code, p.Code, passed
	}
	if _, code, passed := serve(); !passed {
		t.Fatalf("the first verification was refused: %s", code)
	}
	if status, code, passed := serve(); passed || status != http.StatusConflict || code != "imp_uid_reused" {
		t.Fatalf("a replay inside the age: %d %q (passed %v), want 409 imp_uid_reused", status, code, passed)
	}
	v.policy.Now = func() time.Time { return time.Now().Add(DefaultMaxVerificationAge + time.Minute) }
	if status, code, passed := serve(); passed || status != http.StatusForbidden || code != "verification_expired" {
		t.Fatalf("a replay after max_verification_age: %d %q (passed %v), want 403 verification_expired", status, code, passed)
	}
}
