package caddymodule_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
)

func TestDirectiveOrderGatesRespondAndReverseProxy(t *testing.T) {
	be := newBackend(t)
	// No verify block: every request the handler sees must be verified,
	// including those answered by respond, which sits before reverse_proxy.
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", after: `respond /hello "hello from respond" 200
	reverse_proxy ` + be.addr()}))

	resp, body := do(t, tester, mustRequest(t, http.MethodGet, gatewayURL+"/hello", ""))
	assertProblem(t, resp, body, 400, "imp_uid_missing")
	resp, body = do(t, tester, mustRequest(t, http.MethodPost, gatewayURL+"/api", "x"))
	assertProblem(t, resp, body, 400, "body_invalid") // a body without a Content-Type
	if be.hits() != 0 {
		t.Fatal("reverse_proxy ran before iamport_verify")
	}

	resp, body = do(t, tester, mustRequest(t, http.MethodGet, gatewayURL+"/hello?imp_uid="+idAdult, ""))
	if resp.StatusCode != 200 || string(body) != "hello from respond" {
		t.Fatalf("verified request to respond: %d %q", resp.StatusCode, body)
	}
}

func mustRequest(t *testing.T, method, target, body string) *http.Request {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestPlaceholdersDescribeTheDecision(t *testing.T) {
	be := newBackend(t)
	const echo = `respond "{http.iamport.code}|{http.iamport.imp_uid}|{http.iamport.ci_hash}|{http.iamport.di}|{http.iamport.birth_year}"`
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", after: echo},
		site{host: "exempt.localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}", after: echo},
	))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	rec := sandboxRecord(t, keyFor(t), idAdult)
	want := strings.Join([]string{"verified", idAdult, hmacHex(testCIKey, rec["unique_key"].(string)),
		rec["unique_in_site"].(string), rec["birthday"].(string)[:4]}, "|")
	if resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("got %d %q, want %q", resp.StatusCode, body, want)
	}

	// A request exempt from verify sets none of them: respond leaves
	// unknown placeholders as they are.
	resp, body = do(t, tester, mustRequest(t, http.MethodGet, "http://exempt.localhost:9080/page?imp_uid="+idMinor, ""))
	unset := "{http.iamport.code}|{http.iamport.imp_uid}|{http.iamport.ci_hash}|{http.iamport.di}|{http.iamport.birth_year}"
	if resp.StatusCode != 200 || string(body) != unset {
		t.Fatalf("exempt request: got %d %q, want the placeholders unset", resp.StatusCode, body)
	}
}

func TestReservationIsReleasedWhenTheUpstreamFails(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost"},
		// Nothing listens on port 9: reverse_proxy cannot reach it.
		site{host: "dead.localhost", after: "reverse_proxy 127.0.0.1:9"},
	))
	signup := `{"imp_uid":"` + idAdult + `"}`

	resp, body := postJSON(t, tester, "dead.localhost", "/signup", signup)
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("unreachable upstream: %d %s", resp.StatusCode, body)
	}
	be.answer(http.StatusInternalServerError)
	resp, _ = postJSON(t, tester, "localhost", "/signup", signup)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("after the unreachable upstream released the id: status %d, want the backend's 500", resp.StatusCode)
	}
	resp, _ = postJSON(t, tester, "localhost", "/signup", signup)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the backend's 500 released the id: status %d, want 200", resp.StatusCode)
	}
	resp, body = postJSON(t, tester, "localhost", "/signup", signup)
	assertProblem(t, resp, body, http.StatusConflict, "imp_uid_reused")
}

func TestFiftyConcurrentRequestsWithOneIDLetExactlyOneThrough(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	statuses := parallel(t, tester, 50, func(int) string { return idAdult })
	if statuses[200] != 1 || statuses[409] != 49 {
		t.Fatalf("statuses %v, want one 200 and 49 409", statuses)
	}
	if be.hits() != 1 {
		t.Fatalf("backend hits %d, want 1", be.hits())
	}
}

func TestFiftyConcurrentVerificationsOnAColdCacheFetchOneToken(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use off"}))
	statuses := parallel(t, tester, 50, func(int) string { return idAdult })
	if statuses[200] != 50 {
		t.Fatalf("statuses %v, want 50 × 200", statuses)
	}
	s := stats(t)
	if s.GetToken != 1 || s.Certifications != 50 {
		t.Fatalf("sandbox saw %d getToken and %d certification calls, want 1 and 50", s.GetToken, s.Certifications)
	}
}

// parallel sends n signups at once and counts the answers by status.
func parallel(t *testing.T, tester *caddytest.Tester, n int, id func(int) string) map[int]int {
	return parallelTo(t, tester, n, func(int) string { return "localhost" }, id)
}

// parallelTo is parallel with the gateway site chosen per request.
func parallelTo(t *testing.T, tester *caddytest.Tester, n int, host, id func(int) string) map[int]int {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, "http://"+host(i)+":9080/signup", strings.NewReader(`{"imp_uid":"`+id(i)+`"}`))
			req.Header.Set("Content-Type", "application/json")
			<-start
			resp, err := tester.Client.Do(req)
			status := -1
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return statuses
}

func TestTokenSurvivesAConfigReload(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use off"}))
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// A different config with the same credentials: a reload.
	tester = startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use off\n\t\tmin_age 20"}))
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("after reload: status %d: %s", resp.StatusCode, body)
	}
	if s := stats(t); s.GetToken != 1 || s.Certifications != 2 {
		t.Fatalf("sandbox saw %d getToken and %d certification calls, want 1 and 2", s.GetToken, s.Certifications)
	}
}

func TestValidateNeverCallsIamportAndSecretsStayPlaceholders(t *testing.T) {
	var calls atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer fake.Close()
	t.Setenv("IAMPORT_TEST_KEY", "key-from-env")
	t.Setenv("IAMPORT_TEST_SECRET", "secret-from-env")
	t.Setenv("IAMPORT_TEST_CI_KEY", "ci-key-from-env")

	caddyfile := fmt.Sprintf(`{
	admin off
}
http://localhost:9999 {
	iamport_verify {
		api_key {env.IAMPORT_TEST_KEY}
		api_secret {env.IAMPORT_TEST_SECRET}
		ci_hash_key {env.IAMPORT_TEST_CI_KEY}
		api_base %s
	}
	respond "ok"
}`, fake.URL)
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"key-from-env", "secret-from-env", "ci-key-from-env"} {
		if strings.Contains(string(adapted), secret) {
			t.Fatalf("adapted JSON contains the resolved secret %q", secret)
		}
	}
	if !strings.Contains(string(adapted), "{env.IAMPORT_TEST_SECRET}") {
		t.Fatalf("adapted JSON lost the placeholder: %s", adapted)
	}
	var cfg caddy.Config
	if err := json.Unmarshal(adapted, &cfg); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&cfg); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("validate made %d calls to i'mport", calls.Load())
	}

	// A missing environment variable fails the config instead of running
	// with an empty secret.
	t.Setenv("IAMPORT_TEST_SECRET", "")
	var cfg2 caddy.Config
	_ = json.Unmarshal(adapted, &cfg2)
	if err := caddy.Validate(&cfg2); err == nil || !strings.Contains(err.Error(), "api_secret") {
		t.Fatalf("validate with an empty secret: %v, want an api_secret error", err)
	}
}
