package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestDemoCaddyfileRunsTheREADMEScenarios loads Caddyfile.example into an
// in-process Caddy, exactly as `go run ./cmd/caddy run --config
// Caddyfile.example` does, and replays the README's curl lines: a pass, an
// underage refusal, a replay refusal and a forged header being dropped.
func TestDemoCaddyfileRunsTheREADMEScenarios(t *testing.T) {
	loadDemo(t)

	post := func(body string, header ...string) (int, string) {
		return postTo(t, "http://localhost:8080", body, header...)
	}

	status, body := post(`{"imp_uid":"imp_100000000001","nick":"kim"}`)
	v1Body := body
	if status != 200 || !regexp.MustCompile(`X-Verified-CI-Hash: +[0-9a-f]{64}\n`).MatchString(body) ||
		!regexp.MustCompile(`X-Verified-Birth-Year: +(19|20)\d\d\n`).MatchString(body) {
		t.Fatalf("pass: %d %q", status, body)
	}
	if status, body := post(`{"imp_uid":"imp_100000000002"}`); status != 403 || !strings.Contains(body, `"code":"underage"`) {
		t.Fatalf("underage: %d %q", status, body)
	}
	if status, body := post(`{"imp_uid":"imp_100000000001"}`); status != 409 || !strings.Contains(body, `"code":"imp_uid_reused"`) {
		t.Fatalf("replay: %d %q", status, body)
	}
	// The same through PortOne V2 on /signup/v2.
	postV2 := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://localhost:8080/signup/v2", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return send(t, req)
	}
	status, v2 := postV2(`{"identityVerificationId":"identity-verification-100000000001","nick":"kim"}`)
	ciHash := regexp.MustCompile(`X-Verified-CI-Hash: +([0-9a-f]{64})\n`)
	if status != 200 || ciHash.FindStringSubmatch(v2) == nil || ciHash.FindStringSubmatch(v2)[1] != ciHash.FindStringSubmatch(v1Body)[1] {
		t.Fatalf("V2 pass (the V1 adult's CI hash is %v): %d %q", ciHash.FindStringSubmatch(v1Body), status, v2)
	}
	if status, body := postV2(`{"identityVerificationId":"identity-verification-100000000002"}`); status != 403 || !strings.Contains(body, `"code":"underage"`) {
		t.Fatalf("V2 underage: %d %q", status, body)
	}
	if status, body := postV2(`{"identityVerificationId":"identity-verification-100000000001"}`); status != 409 || !strings.Contains(body, `"code":"imp_uid_reused"`) {
		t.Fatalf("V2 replay: %d %q", status, body)
	}

	get := func(url string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		return send(t, req)
	}
	// A GET to the verify path carrying an id in the query (a redirect
	// landing written that way) is verified, not passed on unchecked.
	if status, body := get("http://localhost:8080/signup?imp_uid=imp_100000000002"); status != 403 || !strings.Contains(body, `"code":"underage"`) {
		t.Fatalf("GET /signup with an id: %d %q", status, body)
	}
	if status, body := get("http://localhost:8080/signup"); status != 400 || !strings.Contains(body, `"code":"imp_uid_missing"`) {
		t.Fatalf("GET /signup without an id: %d %q", status, body)
	}
	// The signup page is served at the root, also with the id in the query
	// (the redirect flow's landing), and is never sent to the backend.
	if status, body := get("http://localhost:8080/?imp_uid=imp_100000000001&success=true"); status != 200 ||
		!strings.Contains(body, `<form id="signup"`) || !strings.Contains(body, "http://127.0.0.1:8081/sdk/iamport.js") ||
		!strings.Contains(body, "http://127.0.0.1:8081/sdk/portone.js") || !strings.Contains(body, `data-v2-path="/signup/v2"`) {
		t.Fatalf("signup page: %d %q", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://localhost:8080/profile", nil)
	req.Header.Set("X-Verified-CI-Hash", "forged")
	req.Header.Set("x-verified-birth-year", "1970")
	status, body = send(t, req)
	if status != 200 || !strings.Contains(body, "backend saw GET /profile") || strings.Contains(body, "forged") || strings.Contains(body, "1970") {
		t.Fatalf("forged header: %d %q", status, body)
	}
}

// TestDemoAnswersOnEveryLoopbackName proves that the demo gateway answers
// on 127.0.0.1:8080 as on localhost:8080 (the site address is a host
// matcher: with localhost alone, 127.0.0.1 got an empty 200 from no site),
// and that both are the same gateway, with one memory of used ids.
func TestDemoAnswersOnEveryLoopbackName(t *testing.T) {
	loadDemo(t)
	const fresh = "imp_200000000001" // a generated adult (see the README)
	for _, tc := range []struct {
		name, base, id string
		status         int
		want           string
	}{
		{"a verification on 127.0.0.1", "http://127.0.0.1:8080", fresh, 200, "X-Verified-CI-Hash:    "},
		{"its replay on localhost", "http://localhost:8080", fresh, 409, `"code":"imp_uid_reused"`},
		{"a refusal on 127.0.0.1", "http://127.0.0.1:8080", "imp_100000000002", 403, `"code":"underage"`},
		{"no id on 127.0.0.1", "http://127.0.0.1:8080", "", 400, `"code":"imp_uid_missing"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postTo(t, tc.base, `{"imp_uid":"`+tc.id+`"}`)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%s/signup: %d %q, want %d with %q", tc.base, status, body, tc.status, tc.want)
			}
		})
	}
}

// loadDemo loads Caddyfile.example into an in-process Caddy, exactly as
// `go run ./cmd/caddy run --config Caddyfile.example` does, and stops it
// when the test ends.
func loadDemo(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Caddy on ports 2019, 8080-8082")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	src, err := os.ReadFile("../../Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "Caddyfile.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("loading Caddyfile.example: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	// A kept-alive connection to a server an earlier test stopped would
	// fail a POST with EOF.
	http.DefaultClient.CloseIdleConnections()
}

// postTo posts a JSON body to base's /signup.
func postTo(t *testing.T, base, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/signup", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
