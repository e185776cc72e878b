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

	post := func(body string, header ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://localhost:8080/signup", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return send(t, req)
	}

	status, body := post(`{"imp_uid":"imp_100000000001","nick":"kim"}`)
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
	req, _ := http.NewRequest(http.MethodGet, "http://localhost:8080/profile", nil)
	req.Header.Set("X-Verified-CI-Hash", "forged")
	req.Header.Set("x-verified-birth-year", "1970")
	status, body = send(t, req)
	if status != 200 || !strings.Contains(body, "backend saw GET /profile") || strings.Contains(body, "forged") || strings.Contains(body, "1970") {
		t.Fatalf("forged header: %d %q", status, body)
	}
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
