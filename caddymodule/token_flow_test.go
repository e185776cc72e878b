package caddymodule_test

import (
	"net/http"
	"testing"
	"time"
)

// sum adds up the samples of name that carry at least the labels want.
func sum(samples []sample, name string, want map[string]string) float64 {
	total := 0.0
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			total += s.value
		}
	}
	return total
}

// TestExemptRequestWarmsTheTokenForTheFirstVerification drives a real
// Caddy: an exempt GET, the first request the handler sees, makes the
// gateway fetch a token in the background without any verification; the
// signup that follows makes only its certification call and waits for no
// token; the metrics say so (a background fetch, no request-path fetch,
// no lookup that waited).
func TestExemptRequestWarmsTheTokenForTheFirstVerification(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", options: "verify {\n\t\t\tmethod POST\n\t\t\tpath /signup\n\t\t}"}))
	m0 := scrape(t)
	if s := stats(t); s.GetToken != 0 {
		t.Fatalf("%d getToken calls before any request, want 0", s.GetToken)
	}

	req, _ := http.NewRequest(http.MethodGet, "http://localhost:9080/profile", nil)
	if resp, body := do(t, tester, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("exempt GET: %d %s", resp.StatusCode, body)
	}
	// Wait, within a bound, until the background fetch is counted: it is
	// counted once the token is stored, so the signup below finds it.
	deadline := time.Now().Add(5 * time.Second)
	for sum(scrape(t), "caddy_iamport_token_fetches_total", map[string]string{"path": "background", "outcome": "ok"})-
		sum(m0, "caddy_iamport_token_fetches_total", map[string]string{"path": "background", "outcome": "ok"}) < 1 &&
		time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s := stats(t); s.GetToken != 1 || s.Certifications != 0 {
		t.Fatalf("after the exempt GET: %d getToken, %d certification calls; want 1 and 0", s.GetToken, s.Certifications)
	}

	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("signup: %d %s", resp.StatusCode, body)
	}
	if s := stats(t); s.GetToken != 1 || s.Certifications != 1 {
		t.Fatalf("after the signup: %d getToken, %d certification calls; want 1 and 1", s.GetToken, s.Certifications)
	}
	m1 := scrape(t)
	delta := func(name string, labels map[string]string) float64 {
		return sum(m1, name, labels) - sum(m0, name, labels)
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"caddy_iamport_token_fetches_total", map[string]string{"path": "background", "outcome": "ok"}, 1},
		{"caddy_iamport_token_fetches_total", map[string]string{"path": "request"}, 0},
		{"caddy_iamport_token_wait_seconds_count", nil, 0},
	}
	for _, c := range checks {
		if got := delta(c.name, c.labels); got != c.want {
			t.Errorf("%s%v rose by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	checkLabels(t, m1)
}
