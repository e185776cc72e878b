package caddymodule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/verigate/caddy-iamport/internal/sandboxtest"
)

// The tests in this file prove the limits of issue 12: at most
// lookup_concurrency lookups in flight, waiting within the request's own
// budget, leaving the queue when the client goes away, sharing by
// handlers with the same value only, and the negative cache.

// inFlight reads the sandbox's certification calls in flight now, the most
// there ever were at once, and the calls received.
func inFlight(t *testing.T) (now, most, calls int64) {
	t.Helper()
	s := sandboxtest.Stats(t, sandboxURL)
	return s.CertificationsInFlight, s.MaxCertificationsInFlight, s.Certifications
}

// setSlow makes every certification call of the sandbox take delay.
func setSlow(t *testing.T, delay time.Duration) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"fault": "slow", "endpoint": "certification", "delay": delay.String()})
	resp, err := http.Post(sandboxURL+"/__sandbox/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("setting the slow fault: status %d", resp.StatusCode)
	}
}

// until polls cond until it holds, failing after 5 s. The polling interval
// is not a timing assumption: cond is what the test waits for.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// generatedAdult is the sandbox's n-th generated adult (imp_2 + 11 digits).
func generatedAdult(n int) string { return fmt.Sprintf("imp_2%011d", n) }

// metric is the value of a caddy_iamport_ sample with exactly these labels.
func metric(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	return value(scrape(t), name, labels)
}

// holdASlot sends a verification to host in the background while the
// sandbox hangs on its first certification call, and returns once that
// call is in flight; the returned function lets it go and waits for it.
func holdASlot(t *testing.T, tester *caddytest.Tester, host string) func() {
	t.Helper()
	_, _, before := inFlight(t)
	setFault(t, "hang", "certification", 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+host+":9080/signup",
			strings.NewReader(`{"imp_uid":"`+idAdult+`"}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := tester.Client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	until(t, "the holder's call in flight at the sandbox", func() bool {
		now, _, calls := inFlight(t)
		return now == 1 && calls == before+1
	})
	return func() {
		cancel()
		<-done
		until(t, "the holder's call over", func() bool { now, _, _ := inFlight(t); return now == 0 })
	}
}

// TestLookupsInFlightNeverExceedLookupConcurrency sends ten times the cap
// of verifications at once to a slow i'mport: all pass, and the sandbox
// never had more than the cap in flight (and did reach it).
func TestLookupsInFlightNeverExceedLookupConcurrency(t *testing.T) {
	const capacity, requests = 4, 40
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost",
		options: fmt.Sprintf("lookup_concurrency %d\n\t\tsingle_use off", capacity)}))
	// Warm the token, so that the calls below are certification calls only.
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("warm-up: %d %s", resp.StatusCode, body)
	}
	setSlow(t, 50*time.Millisecond)
	defer clearFaults(t)
	acquired := map[string]string{"outcome": "acquired"}
	before := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", acquired)

	var wg sync.WaitGroup
	statuses := make([]int, requests)
	for i := range requests {
		wg.Go(func() {
			resp, _ := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+generatedAdult(1000+i)+`"}`)
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d: status %d, want 200 (each waits within its 10s budget)", i, s)
		}
	}
	_, most, calls := inFlight(t)
	if most != capacity {
		t.Fatalf("the sandbox had at most %d certification calls in flight, want exactly lookup_concurrency %d", most, capacity)
	}
	if calls != requests+1 {
		t.Fatalf("%d certification calls, want %d", calls, requests+1)
	}
	if got := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", acquired) - before; got != requests {
		t.Fatalf("lookup_slot_wait_seconds_count{outcome=acquired} rose by %v, want %d", got, requests)
	}
	if w := metric(t, "caddy_iamport_lookups_waiting", nil); w != 0 {
		t.Fatalf("lookups_waiting = %v after the burst, want 0", w)
	}
}

// TestAWaitingRequestWhoseClientGoesAwayLeavesTheQueue: with the only slot
// held, a request waits; its client disconnects; it leaves the queue at
// once (long before its 10s budget) and never calls i'mport.
func TestAWaitingRequestWhoseClientGoesAwayLeavesTheQueue(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "lookup_concurrency 1\n\t\tsingle_use off"}))
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idHangul+`"}`); resp.StatusCode != 200 {
		t.Fatalf("warm-up: %d %s", resp.StatusCode, body)
	}
	letGo := holdASlot(t, tester, "localhost")
	defer letGo()
	abandoned := map[string]string{"outcome": "abandoned"}
	before := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", abandoned)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, gatewayURL+"/signup", strings.NewReader(`{"imp_uid":"`+idNoDI+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := tester.Client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	until(t, "the second request waiting for a slot", func() bool {
		return metric(t, "caddy_iamport_lookups_waiting", nil) == 1
	})
	start := time.Now()
	cancel()
	<-done
	until(t, "the waiting request out of the queue", func() bool {
		return metric(t, "caddy_iamport_lookups_waiting", nil) == 0
	})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the request left the queue %v after its client went away", took)
	}
	if got := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", abandoned) - before; got != 1 {
		t.Fatalf("lookup_slot_wait_seconds_count{outcome=abandoned} rose by %v, want 1", got)
	}
	// The holder still has the slot, and no other call was made.
	if now, _, calls := inFlight(t); now != 1 || calls != 2 {
		t.Fatalf("sandbox: %d in flight, %d calls; want the holder's only (1, 2)", now, calls)
	}
	if be.hits() != 1 {
		t.Fatalf("upstream hits %d, want the warm-up's only", be.hits())
	}
}

// TestLookupConcurrencyIsSharedByHandlersWithTheSameValueOnly: while the
// one slot of lookup_concurrency 1 is held by one site, another site with
// the same credentials and value waits out its budget and is refused with
// 503 and Retry-After without a call, logged once by the limiter and not
// per request at info; a site with another value has a limiter of its own.
func TestLookupConcurrencyIsSharedByHandlersWithTheSameValueOnly(t *testing.T) {
	logs := newLogCapture(t)
	be := newBackend(t)
	tester := startCaddy(t, buildConfig(t, logs.global(), be.addr(), []site{
		{host: "holder.localhost", options: "lookup_concurrency 1\n\t\tsingle_use off"},
		{host: "same.localhost", options: "lookup_concurrency 1\n\t\tsingle_use off\n\t\ttimeout 300ms"},
		{host: "other.localhost", options: "lookup_concurrency 2\n\t\tsingle_use off\n\t\ttimeout 300ms"},
	}))
	for _, host := range []string{"holder.localhost", "other.localhost"} {
		if resp, body := postJSON(t, tester, host, "/signup", `{"imp_uid":"`+idHangul+`"}`); resp.StatusCode != 200 {
			t.Fatalf("warm-up on %s: %d %s", host, resp.StatusCode, body)
		}
	}
	letGo := holdASlot(t, tester, "holder.localhost")
	defer letGo()
	timeouts := map[string]string{"outcome": "timeout"}
	before := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", timeouts)
	_, _, calls := inFlight(t)
	off := logs.offset(t)

	tests := []struct {
		host      string
		status    int
		wantCalls int64
	}{
		{"same.localhost", http.StatusServiceUnavailable, 0}, // shares the held slot
		{"same.localhost", http.StatusServiceUnavailable, 0},
		{"other.localhost", http.StatusOK, 1}, // a limiter of its own
	}
	for _, tt := range tests {
		resp, body := postJSON(t, tester, tt.host, "/signup", `{"imp_uid":"`+idNoDI+`"}`)
		if tt.status == http.StatusServiceUnavailable {
			assertProblem(t, resp, body, tt.status, "verification_unavailable")
			if resp.Header.Get("Retry-After") != "5" {
				t.Fatalf("Retry-After %q, want 5", resp.Header.Get("Retry-After"))
			}
		} else if resp.StatusCode != tt.status {
			t.Fatalf("%s: status %d (%s), want %d", tt.host, resp.StatusCode, body, tt.status)
		}
		_, _, now := inFlight(t)
		if now-calls != tt.wantCalls {
			t.Fatalf("%s made %d certification calls, want %d", tt.host, now-calls, tt.wantCalls)
		}
		calls = now
	}
	if got := metric(t, "caddy_iamport_lookup_slot_wait_seconds_count", timeouts) - before; got != 2 {
		t.Fatalf("lookup_slot_wait_seconds_count{outcome=timeout} rose by %v, want 2", got)
	}
	// One rate-bounded line from the limiter for both refusals (they came
	// within a second), and no per-request line at info or above.
	lines := logs.lines(t, off, -1)
	refusedLines, perRequest := 0, 0
	for _, l := range lines {
		if l.str("msg") == "lookups refused: no lookup slot came free in time" {
			refusedLines++
		}
		if strings.HasPrefix(l.str("logger"), handlerLogger) && isInfoOrAbove(l.str("level")) && l.str("code") == "verification_unavailable" {
			perRequest++
		}
	}
	if refusedLines != 1 || perRequest != 0 {
		t.Fatalf("%d limiter lines and %d per-request lines at info or above, want 1 and 0:\n%s", refusedLines, perRequest, logs.raw(t, off))
	}
}

// TestNotFoundIsRememberedWithoutACall: a second request for an id
// i'mport answered 404 for moments ago is refused without a call.
func TestNotFoundIsRememberedWithoutACall(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	before := metric(t, "caddy_iamport_negative_cache_hits_total", nil)
	for i := range 3 {
		resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idUnknown+`"}`)
		assertProblem(t, resp, body, http.StatusForbidden, "verification_not_found")
		if _, _, calls := inFlight(t); calls != 1 {
			t.Fatalf("request %d: %d certification calls, want 1", i+1, calls)
		}
	}
	if got := metric(t, "caddy_iamport_negative_cache_hits_total", nil) - before; got != 2 {
		t.Fatalf("negative_cache_hits_total rose by %v, want 2", got)
	}
	// Another unknown id is asked for.
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"imp_999999999998"}`)
	assertProblem(t, resp, body, http.StatusForbidden, "verification_not_found")
	if _, _, calls := inFlight(t); calls != 2 {
		t.Fatalf("%d certification calls, want 2", calls)
	}
}
