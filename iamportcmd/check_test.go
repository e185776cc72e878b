package iamportcmd_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCheckPassesWithGoodCredentialsAndPrintsBaseLifetimeAndSkew(t *testing.T) {
	g := startGateway(t)
	tokensBefore, _ := g.sandboxStats(t)
	r := run(t, "", "check", "--config", g.config)
	if r.status != 0 || r.err != nil {
		t.Fatalf("status %d, err %v; stdout:\n%s", r.status, r.err, r.stdout)
	}
	line := regexp.MustCompile(`^ok    ` + regexp.QuoteMeta(g.addr) + ` #1  api ` + regexp.QuoteMeta(g.sandbox) +
		` \(iamport\)  token valid for (30m0s|29m\d+s)  clock skew ([+-]\S+) ±(\S+) \(i'mport's now\)\n$`)
	m := line.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout does not match %s:\n%s", line, r.stdout)
	}
	// The sandbox runs on this machine's clock.
	if skew, err := time.ParseDuration(m[2]); err != nil || skew.Abs() > 1500*time.Millisecond {
		t.Fatalf("clock skew %q against a sandbox on the same clock", m[2])
	}
	if tokensAfter, _ := g.sandboxStats(t); tokensAfter != tokensBefore+1 {
		t.Fatalf("getToken calls went from %d to %d, want one round trip", tokensBefore, tokensAfter)
	}
	assertNoSecret(t, r, g.key)
}

// TestCheckFailsNamingTheHandlerAndTheCause runs check on a config whose
// second site cannot work, for each reason a handler can fail: the good
// site still passes, the bad one is named with its cause, and the exit
// status is 1.
func TestCheckFailsNamingTheHandlerAndTheCause(t *testing.T) {
	g := startGateway(t)
	skewed := fakeIamport(t, 10*time.Minute)
	closedPort := freePort(t)
	tests := []struct {
		name   string
		verify string
		cause  string
	}{
		{"wrong secret", `api_key {env.IAMPORTCMD_TEST_API_KEY}
		api_secret ` + wrongSecret + `
		api_base SANDBOX
		ci_hash_key x`, "fetching token: credentials rejected"},
		{"secret placeholder resolving to nothing", `api_key {env.IAMPORTCMD_TEST_API_KEY}
		api_secret {env.IAMPORTCMD_TEST_UNSET}
		api_base SANDBOX
		ci_hash_key x`, "resolving api_secret"},
		{"i'mport unreachable", `api_key k
		api_secret ` + wrongSecret + `
		api_base http://127.0.0.1:` + closedPort + `
		ci_hash_key x`, "verification source unavailable"},
		{"clock ten minutes off", `api_key k
		api_secret ` + wrongSecret + `
		api_base ` + skewed + `
		ci_hash_key x`, "exceeds 5m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := g.configWith(t, site{host: "localhost", verify: tt.verify})
			r := run(t, "", "check", "--config", cfg)
			if r.status != 1 || r.err == nil {
				t.Fatalf("status %d, err %v, want 1 and an error", r.status, r.err)
			}
			bad := "localhost:" + g.port + " #1"
			if !strings.Contains(r.err.Error(), "1 of 2 iamport_verify handlers failed the check: "+bad) {
				t.Fatalf("error %q does not name %s", r.err, bad)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "ok    "+g.addr+" #1  api ") ||
				!strings.HasPrefix(lines[1], "FAIL  "+bad) || !strings.Contains(lines[1], tt.cause) {
				t.Fatalf("stdout, want an ok line for %s and a FAIL line for %s with %q:\n%s", g.addr, bad, tt.cause, r.stdout)
			}
			assertNoSecret(t, r, g.key)
		})
	}
}

func TestCheckSiteFlagPicksTheHandlers(t *testing.T) {
	g := startGateway(t)
	cfg := g.configWith(t, site{host: "localhost", verify: `api_key k
		api_secret ` + wrongSecret + `
		api_base SANDBOX
		ci_hash_key x`})
	if r := run(t, "", "check", "--config", cfg, "--site", g.addr); r.status != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("--site %s: status %d, err %v, stdout:\n%s", g.addr, r.status, r.err, r.stdout)
	}
	r := run(t, "", "check", "--config", cfg, "--site", "nowhere.example:443")
	if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), g.addr) || !strings.Contains(r.err.Error(), "localhost:"+g.port) {
		t.Fatalf("unknown site: status %d, err %v; want the known sites listed", r.status, r.err)
	}
}

// fakeIamport is an i'mport whose getToken answers with a clock off by
// skew, and accepts any credentials.
func fakeIamport(t *testing.T, skew time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().Add(skew).Unix()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":0,"message":null,"response":{"access_token":"tok","now":%d,"expired_at":%d}}`, now, now+1800)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCheckAndLookupIgnoreTheAssertionSettings runs the commands on a
// handler that signs assertions with keys generated in Caddy's storage:
// they never sign, so they neither load nor need the keys.
func TestCheckAndLookupIgnoreTheAssertionSettings(t *testing.T) {
	g := startGateway(t)
	cfg := g.configWith(t, site{host: "localhost", verify: `api_key {env.IAMPORTCMD_TEST_API_KEY}
		api_secret {env.IAMPORTCMD_TEST_API_SECRET}
		api_base SANDBOX
		ci_hash_key x
		assertion https://backend.example`})
	if r := run(t, "", "check", "--config", cfg); r.status != 0 || strings.Count(r.stdout, "ok    ") != 2 {
		t.Fatalf("check: status %d, err %v, stdout:\n%s", r.status, r.err, r.stdout)
	}
	if r := run(t, "", "lookup", "--config", cfg, "--site", "localhost:"+g.port, idAdult); r.status != 0 {
		t.Fatalf("lookup: status %d, err %v, stdout:\n%s", r.status, r.err, r.stdout)
	}
}
