package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestSlowFaultDelaysThenAnswersNormally: the answer comes no sooner than
// the delay, and it is the answer without the fault.
func TestSlowFaultDelaysThenAnswersNormally(t *testing.T) {
	const delay = 20 * time.Millisecond
	tests := []struct {
		name       string
		endpoint   Endpoint
		id         string // "" for getToken
		wantStatus int
	}{
		{"certification of the adult", EndpointCertification, AdultID, http.StatusOK},
		{"certification of an unknown id", EndpointCertification, "imp_999999999999", http.StatusNotFound},
		{"getToken", EndpointToken, "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			tok, _ := getToken(t, s)
			if err := s.SetFault(Fault{Name: FaultSlow, Endpoint: tt.endpoint, Delay: Delay(delay)}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var r reply
			if tt.id == "" {
				r = do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader)
			} else {
				r = certify(t, s, tok, tt.id)
			}
			if took := time.Since(start); took < delay {
				t.Fatalf("answered after %v, want at least %v", took, delay)
			}
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if tt.id == AdultID && r.resp["imp_uid"] != AdultID {
				t.Fatalf("record %v, want the adult's", r.resp)
			}
		})
	}
}

func TestSlowFaultEndsWhenTheClientGivesUp(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultSlow, Delay: Delay(MaxDelay)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/certifications/"+AdultID, nil)
	req.Header.Set("Authorization", tok)
	done := make(chan struct{})
	go func() { defer close(done); s.ServeHTTP(httptest.NewRecorder(), req) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a slow answer went on after the client gave up")
	}
}

func TestSetFaultChecksTheDelay(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		ok    bool
	}{
		{"slow with a delay", Fault{Name: FaultSlow, Delay: Delay(300 * time.Millisecond)}, true},
		{"slow without a delay", Fault{Name: FaultSlow}, false},
		{"slow with a negative delay", Fault{Name: FaultSlow, Delay: -1}, false},
		{"slow over the longest delay", Fault{Name: FaultSlow, Delay: Delay(MaxDelay + 1)}, false},
		{"another fault with a delay", Fault{Name: FaultStatus500, Delay: Delay(time.Second)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			if err := s.SetFault(tt.fault); (err == nil) != tt.ok {
				t.Fatalf("SetFault error %v, want success %v", err, tt.ok)
			}
		})
	}
}

func TestControlSetsASlowFaultWithItsDelay(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	if r := do(t, s, http.MethodPost, "/__sandbox/faults", `{"fault":"slow","endpoint":"certification","delay":"300ms"}`, jsonHeader); r.status != http.StatusOK {
		t.Fatalf("POST slow: %d %s", r.status, r.body)
	}
	r := do(t, s, http.MethodGet, "/__sandbox/faults", "", nil)
	var f struct {
		Fault, Endpoint, Delay string
	}
	if err := json.Unmarshal([]byte(r.body), &f); err != nil || f.Fault != "slow" || f.Delay != "300ms" {
		t.Fatalf("GET faults = %s (%v), want slow with delay 300ms", r.body, err)
	}
	for _, bad := range []string{`{"fault":"slow","delay":300}`, `{"fault":"slow","delay":"soon"}`} {
		if r := do(t, s, http.MethodPost, "/__sandbox/faults", bad, jsonHeader); r.status != http.StatusBadRequest {
			t.Errorf("POST %s: status %d, want 400", bad, r.status)
		}
	}
}

// TestStatsCountCertificationsInFlight holds certification calls open
// (hang) and reads how many are in flight and the most there were.
func TestStatsCountCertificationsInFlight(t *testing.T) {
	const n = 5
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultHang, Endpoint: EndpointCertification}); err != nil {
		t.Fatal(err)
	}
	var hanging sync.WaitGroup
	hanging.Add(n)
	s.hangHook = hanging.Done
	ctx, cancel := context.WithCancel(t.Context())
	var done sync.WaitGroup
	for range n {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/certifications/"+AdultID, nil)
		req.Header.Set("Authorization", tok)
		done.Go(func() { s.ServeHTTP(&writeLog{header: http.Header{}}, req) })
	}
	hanging.Wait()
	if st := s.Stats(); st.CertificationsInFlight != n || st.MaxCertificationsInFlight != n {
		t.Fatalf("stats %+v, want %d in flight and at most", st, n)
	}
	cancel()
	done.Wait()
	if st := s.Stats(); st.CertificationsInFlight != 0 || st.MaxCertificationsInFlight != n {
		t.Fatalf("stats %+v, want none in flight, at most %d", st, n)
	}
	s.Reset()
	if st := s.Stats(); st.MaxCertificationsInFlight != 0 {
		t.Fatalf("stats after reset %+v, want the most in flight zeroed", st)
	}
}
