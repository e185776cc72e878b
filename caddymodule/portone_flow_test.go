package caddymodule_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/verigate/caddy-iamport/internal/redistest"
)

// TestPortOneSourceForwardsTheV1Vocabulary proves a backend sees one
// vocabulary whatever the source: V2's MALE and LGU arrive as V1's male and
// LGT, an unknown nationality is left out, imp_uid forwards the V2 id, and
// the CI hash of a person equals the one their V1 verification gives.
func TestPortOneSourceForwardsTheV1Vocabulary(t *testing.T) {
	be := newBackend(t)
	all := "forward name gender foreigner phone carrier birthday age imp_uid certified_at"
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", v2: true, options: all},
		site{host: "v1.localhost", options: all},
	))
	pass := func(host, body string) map[string][]string {
		t.Helper()
		resp, got := postJSON(t, tester, host, "/signup", body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", host, body, resp.StatusCode, got)
		}
		return identityHeaders(be.last(t).Header)
	}
	one := func(h map[string][]string, k string) string {
		if len(h[k]) != 1 {
			return fmt.Sprintf("%v", h[k])
		}
		return h[k][0]
	}

	v2 := pass("localhost", v2Body(v219Today))
	rec := sandboxV2Record(t, v219Today)
	vc := rec["verifiedCustomer"].(map[string]any)
	want := map[string]string{
		"X-Verified-Ci-Hash":    hmacHex(testCIKey, vc["ci"].(string)),
		"X-Verified-Di":         vc["di"].(string),
		"X-Verified-Birth-Year": vc["birthDate"].(string)[:4],
		"X-Verified-Name":       "Sandbox%20Nineteen%20Today",
		"X-Verified-Gender":     "male", // MALE
		"X-Verified-Foreigner":  "false",
		"X-Verified-Phone":      vc["phoneNumber"].(string),
		"X-Verified-Carrier":    "LGT", // LGU
		"X-Verified-Birthday":   vc["birthDate"].(string),
		"X-Verified-Age":        "19",
		"X-Verified-Imp-Uid":    v219Today,
		"X-Verified-At":         rec["verifiedAt"].(string),
	}
	if len(v2) != len(want) {
		t.Errorf("headers %v, want exactly %v", v2, want)
	}
	for k, w := range want {
		if got := one(v2, k); got != w && !(k == "X-Verified-At" && sameInstant(got, w)) {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}

	// The same person through V1 (imp_ and the same digits) gets the same
	// CI hash, DI and values: a backend's unique index keeps working.
	v1 := pass("v1.localhost", `{"imp_uid":"`+id19Today+`"}`)
	for k := range want {
		if k == "X-Verified-Imp-Uid" || k == "X-Verified-At" {
			continue
		}
		if one(v1, k) != one(v2, k) {
			t.Errorf("%s: V1 %q, V2 %q", k, one(v1, k), one(v2, k))
		}
	}

	// Danal without the extra contract: no isForeigner, operator or phone,
	// so no foreigner, carrier or phone header (never a guessed "false").
	unknown := pass("localhost", v2Body(v2ForeignerUnknown))
	for _, k := range []string{"X-Verified-Foreigner", "X-Verified-Carrier", "X-Verified-Phone"} {
		if _, ok := unknown[k]; ok {
			t.Errorf("%s sent for an identity that has none: %v", k, unknown[k])
		}
	}
	if one(unknown, "X-Verified-Gender") != "male" || one(unknown, "X-Verified-Imp-Uid") != v2ForeignerUnknown {
		t.Errorf("foreigner_unknown headers %v", unknown)
	}
}

// TestPortOnePlaceholdersLogsAndMetricsNameTheSource checks what an
// operator sees: {http.iamport.source}, the source in the handler's log
// lines and metrics, and a warning from the PortOne client when the secret
// is refused; and that the V2 id, the secret and the CI appear in no log.
func TestPortOnePlaceholdersLogsAndMetricsNameTheSource(t *testing.T) {
	be := newBackend(t)
	logs := newLogCapture(t)
	const echo = `respond "{http.iamport.code}|{http.iamport.source}|{http.iamport.imp_uid}|{http.iamport.birth_year}"`
	tester := startCaddy(t, buildConfig(t, logs.global(), be.addr(), []site{{host: "localhost", v2: true, after: echo}}))
	m0 := scrape(t)

	off := logs.offset(t)
	resp, body := postJSON(t, tester, "localhost", "/signup", v2Body(v2Adult))
	rec := sandboxV2Record(t, v2Adult)
	vc := rec["verifiedCustomer"].(map[string]any)
	if want := "verified|portone|" + v2Adult + "|" + vc["birthDate"].(string)[:4]; resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("got %d %q, want %q", resp.StatusCode, body, want)
	}
	logs.waitFor(t, off, "verified with source portone", func(lines []logLine) bool {
		for _, l := range handlerLines(lines) {
			if l.str("code") == "verified" && l.str("source") == "portone" && l.str("id_hash") != "" {
				return true
			}
		}
		return false
	})

	setFault(t, "secret_refused", "identity_verification", 1)
	off = logs.offset(t)
	resp, body = postJSON(t, tester, "localhost", "/signup", v2Body(v2Hangul))
	assertProblem(t, resp, body, http.StatusBadGateway, "verification_failed")
	if !strings.Contains(string(body), "PortOne") {
		t.Errorf("refusal detail %s does not name PortOne", body)
	}
	end := logs.waitFor(t, off, "saying the secret was refused", func(lines []logLine) bool {
		for _, l := range handlerLines(lines) {
			if l.str("logger") == handlerLogger+".portone" && l.str("level") == "warn" && strings.Contains(l.str("msg"), "refused the API secret") {
				return true
			}
		}
		return false
	})
	// The handler's and the PortOne client's lines, at every level. (Caddy
	// itself logs the config, which holds this test's literal secret.)
	n := 0
	for _, l := range logs.lines(t, 0, end) {
		if !strings.HasPrefix(l.str("logger"), handlerLogger) {
			continue
		}
		n++
		for _, secret := range []string{v2Adult, v2Hangul, v2SecretFor(t), vc["ci"].(string), vc["di"].(string), vc["phoneNumber"].(string)} {
			if strings.Contains(l.text, secret) {
				t.Errorf("log line carries %q: %s", secret, l.text)
			}
		}
	}
	if n < 4 { // two decisions, two debug call lines, the warning
		t.Errorf("only %d handler log lines to check", n)
	}

	m1 := scrape(t)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"caddy_iamport_verifications_total", map[string]string{"code": "verified", "source": "portone"}, 1},
		{"caddy_iamport_verifications_total", map[string]string{"code": "verification_failed", "source": "portone"}, 1},
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "identity_verification", "outcome": "ok"}, 1},
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "identity_verification", "outcome": "unauthorized"}, 1},
	} {
		if got := value(m1, c.name, c.labels) - value(m0, c.name, c.labels); got != c.want {
			t.Errorf("%s%v rose by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	checkLabels(t, m1)
}

// TestV1AndV2SideBySideOnDifferentVerifyPaths is the README's migration
// setup: one site, V2 signups on /signup/v2 and V1 signups on /signup,
// each request passing exactly one iamport_verify (a handle block each),
// so every request is stripped of forged headers and each source verifies
// only its own ids.
func TestV1AndV2SideBySideOnDifferentVerifyPaths(t *testing.T) {
	be := newBackend(t)
	key := keyFor(t)
	cfg := fmt.Sprintf(globalOptions, "") + fmt.Sprintf(`
http://localhost:9080 {
	handle /signup/v2 {
		iamport_verify {
			portone {
				api_secret %[1]s
				store_id %[2]s
				api_base %[3]s
			}
			ci_hash_key %[4]s
		}
		reverse_proxy %[5]s
	}
	handle {
		iamport_verify {
			api_key %[6]s
			api_secret %[7]s
			api_base %[3]s
			ci_hash_key %[4]s
			verify {
				path /signup
			}
		}
		reverse_proxy %[5]s
	}
}

http://127.0.0.1:9081 {
	iamport_sandbox {
		api_key %[6]s
		api_secret %[7]s
		portone {
			api_secret %[1]s
			store_id %[2]s
		}
	}
}
`, v2SecretFor(t), v2StoreFor(t), sandboxURL, testCIKey, be.addr(), key, testSecret)
	tester := startCaddy(t, cfg)
	forged := []string{"X-Verified-CI-Hash", "forged", "X_Verified_Birth_Year", "1900"}

	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`, forged...)
	if resp.StatusCode != 200 {
		t.Fatalf("V1 on /signup: %d %s", resp.StatusCode, body)
	}
	v1 := identityHeaders(be.last(t).Header)
	resp, body = postJSON(t, tester, "localhost", "/signup/v2", v2Body(v2Adult), forged...)
	if resp.StatusCode != 200 {
		t.Fatalf("V2 on /signup/v2: %d %s", resp.StatusCode, body)
	}
	v2 := identityHeaders(be.last(t).Header)
	if len(v1) != 3 || fmt.Sprint(v1) != fmt.Sprint(v2) {
		t.Fatalf("the same person's headers differ: V1 %v, V2 %v", v1, v2)
	}
	for _, h := range [][]string{v1["X-Verified-Ci-Hash"], v2["X-Verified-Ci-Hash"]} {
		if len(h) != 1 || h[0] == "forged" {
			t.Fatalf("a forged header survived: %v", h)
		}
	}

	// Each path takes only its own source's ids.
	resp, body = postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+v2Minor+`"}`)
	assertProblem(t, resp, body, http.StatusBadRequest, "imp_uid_invalid")
	resp, body = postJSON(t, tester, "localhost", "/signup/v2", `{"imp_uid":"`+idMinor+`"}`)
	assertProblem(t, resp, body, http.StatusBadRequest, "imp_uid_missing")

	// Exempt pages still lose forged headers.
	req := mustRequest(t, http.MethodGet, "http://localhost:9080/profile", "")
	req.Header.Set("X-Verified-CI-Hash", "forged")
	resp, _ = do(t, tester, req)
	if resp.StatusCode != 200 || len(identityHeaders(be.last(t).Header)) != 0 {
		t.Fatalf("exempt page: %d, identity headers %v", resp.StatusCode, identityHeaders(be.last(t).Header))
	}
}

// TestRedisKeysAreNamespacedBySourceAndCarryNoID runs a V1 and a V2 site
// on one Redis: the V2 keys live under caddy-iamport:used:portone:, the V1
// keys keep their layout, and no key holds an id.
func TestRedisKeysAreNamespacedBySourceAndCarryNoID(t *testing.T) {
	rs := redistest.Start(t)
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", v2: true, options: "single_use redis " + rs.URL()},
		site{host: "v1.localhost", options: "single_use redis " + rs.URL()},
	))
	for _, c := range []struct{ host, body string }{{"localhost", v2Body(v2Adult)}, {"v1.localhost", `{"imp_uid":"` + idAdult + `"}`}} {
		if resp, body := postJSON(t, tester, c.host, "/signup", c.body); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.host, resp.StatusCode, body)
		}
		if resp, body := postJSON(t, tester, c.host, "/signup", c.body); resp.StatusCode != 409 {
			t.Fatalf("%s replay: %d %s", c.host, resp.StatusCode, body)
		}
	}
	keys := redisKeys(t, rs.Addr)
	if len(keys) != 2 {
		t.Fatalf("keys %q, want two", keys)
	}
	var v1Keys, v2Keys int
	for _, k := range keys {
		switch {
		case len(k) == len("caddy-iamport:used:portone:")+32 && strings.HasPrefix(k, "caddy-iamport:used:portone:"):
			v2Keys++
		case len(k) == len("caddy-iamport:used:")+32 && strings.HasPrefix(k, "caddy-iamport:used:"):
			v1Keys++
		}
		if strings.Contains(k, "100000000001") {
			t.Errorf("key %q carries the id", k)
		}
	}
	if v1Keys != 1 || v2Keys != 1 {
		t.Fatalf("keys %q, want one V1 key and one under caddy-iamport:used:portone:", keys)
	}
}

// TestValidateWithPortOneNeverCallsItAndKeepsPlaceholders is caddy validate
// for a portone block: no call to PortOne, the secret stays a placeholder
// in the adapted JSON, and an unset placeholder fails the config.
func TestValidateWithPortOneNeverCallsItAndKeepsPlaceholders(t *testing.T) {
	var calls atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer fake.Close()
	t.Setenv("PORTONE_TEST_SECRET", "portone-secret-from-env")
	t.Setenv("PORTONE_TEST_STORE", "store-from-env")
	t.Setenv("IAMPORT_TEST_CI_KEY", "ci-key-from-env")
	src := fmt.Sprintf(`{
	admin off
}
http://localhost:9999 {
	iamport_verify {
		portone {
			api_secret {env.PORTONE_TEST_SECRET}
			store_id {env.PORTONE_TEST_STORE}
			api_base %s
		}
		ci_hash_key {env.IAMPORT_TEST_CI_KEY}
	}
	respond "ok"
}`, fake.URL)
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(adapted), "portone-secret-from-env") || !strings.Contains(string(adapted), `"portone":{`) {
		t.Fatalf("adapted JSON: %s", adapted)
	}
	validate := func() error {
		var cfg caddy.Config
		if err := json.Unmarshal(adapted, &cfg); err != nil {
			t.Fatal(err)
		}
		return caddy.Validate(&cfg)
	}
	if err := validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("validate made %d calls to PortOne", calls.Load())
	}
	for _, env := range []string{"PORTONE_TEST_SECRET", "PORTONE_TEST_STORE"} {
		t.Setenv(env, "")
		if err := validate(); err == nil || !strings.Contains(err.Error(), "portone") {
			t.Errorf("validate with %s unset: %v, want a portone error", env, err)
		}
		t.Setenv(env, "set-again")
	}
}
