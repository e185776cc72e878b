package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestFaultsAnswerAsDescribed(t *testing.T) {
	tests := []struct {
		fault      FaultName
		wantStatus int
		wantCode   string // "" when the body is not an envelope
		wantBody   string // checked when not ""
	}{
		{FaultStatus500, http.StatusInternalServerError, "-1", ""},
		{FaultStatus503, http.StatusServiceUnavailable, "-1", ""},
		{FaultCodeNonzero, http.StatusOK, "1", ""},
		{FaultResponseNull, http.StatusOK, "0", `{"code":0,"message":null,"response":null}`},
		{FaultMalformedJSON, http.StatusOK, "", `{"code":0,"response":{`},
	}
	for _, tt := range tests {
		for _, ep := range []Endpoint{EndpointToken, EndpointCertification} {
			t.Run(string(tt.fault)+" on "+string(ep), func(t *testing.T) {
				s, _ := newTestServer(t, baseTime)
				tok, _ := getToken(t, s)
				if err := s.SetFault(Fault{Name: tt.fault, Endpoint: ep}); err != nil {
					t.Fatal(err)
				}
				var r reply
				if ep == EndpointToken {
					r = do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader)
				} else {
					r = certify(t, s, tok, AdultID)
				}
				if tt.wantCode != "" {
					wantEnvelopeError(t, r, tt.wantStatus, tt.wantCode)
				} else if r.status != tt.wantStatus || json.Valid([]byte(r.body)) {
					t.Errorf("got %d %s, want %d and invalid JSON", r.status, r.body, tt.wantStatus)
				}
				if tt.wantBody != "" && r.body != tt.wantBody {
					t.Errorf("body = %s, want %s", r.body, tt.wantBody)
				}
			})
		}
	}
}

func TestFaultTimesCountsCallsThenClears(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultStatus503, Endpoint: EndpointCertification, Times: 2}); err != nil {
		t.Fatal(err)
	}
	wantStatuses := []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusOK}
	wantRemaining := []int{1, 0, 0}
	for i, want := range wantStatuses {
		if r := certify(t, s, tok, AdultID); r.status != want {
			t.Errorf("call %d: status %d, want %d", i+1, r.status, want)
		}
		f, active := s.ActiveFault()
		if active != (wantRemaining[i] > 0) || f.Times != wantRemaining[i] {
			t.Errorf("after call %d: active fault %+v (active %v), want %d calls remaining", i+1, f, active, wantRemaining[i])
		}
	}
}

func TestFaultWithoutTimesLastsUntilCleared(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultStatus500}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if r := certify(t, s, tok, AdultID); r.status != http.StatusInternalServerError {
			t.Fatalf("call %d: status %d, want 500", i+1, r.status)
		}
	}
	s.ClearFaults()
	if r := certify(t, s, tok, AdultID); r.status != http.StatusOK {
		t.Errorf("after ClearFaults: status %d, want 200", r.status)
	}
}

func TestFaultSparesAndDoesNotCountOtherEndpoints(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultStatus500, Endpoint: EndpointToken, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if r := certify(t, s, tok, AdultID); r.status != http.StatusOK {
		t.Errorf("certification under a token fault: status %d, want 200", r.status)
	}
	if r := do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader); r.status != http.StatusInternalServerError {
		t.Errorf("getToken: status %d, want 500 (the fault must still be pending)", r.status)
	}
}

func TestTokenRevokedRefusesValidTokenAndForcesANewOne(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	old, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultTokenRevoked, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if tok, _ := getToken(t, s); tok != old {
		t.Fatal("getToken under token_revoked changed the token, want the fault to spare getToken")
	}
	r := certify(t, s, old, AdultID)
	wantEnvelopeError(t, r, http.StatusUnauthorized, "-1")
	if r.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want Bearer", r.header.Get("WWW-Authenticate"))
	}
	if r := certify(t, s, old, AdultID); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token after the fault: status %d, want 401", r.status)
	}
	fresh, _ := getToken(t, s)
	if fresh == old {
		t.Fatal("getToken after revocation returned the revoked token")
	}
	if r := certify(t, s, fresh, AdultID); r.status != http.StatusOK {
		t.Errorf("new token: status %d, want 200", r.status)
	}
}

func TestBadCredentialsRefusesCorrectCredentialsOnly(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultBadCredentials}); err != nil {
		t.Fatal(err)
	}
	r := do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader)
	wantEnvelopeError(t, r, http.StatusUnauthorized, "-1")
	if r := certify(t, s, tok, AdultID); r.status != http.StatusOK {
		t.Errorf("certification under bad_credentials: status %d, want 200", r.status)
	}
}

func TestUnreachableClosesTheConnection(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	ts := httptest.NewServer(s)
	defer ts.Close()
	if err := s.SetFault(Fault{Name: FaultUnreachable, Endpoint: EndpointToken, Times: 1}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(ts.URL+"/users/getToken", "application/json", strings.NewReader(validJSONCreds))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a transport error", resp.StatusCode)
	}
	resp, err = client.Post(ts.URL+"/users/getToken", "application/json", strings.NewReader(validJSONCreds))
	if err != nil {
		t.Fatalf("after the fault ran out: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the fault ran out: status %d, want 200", resp.StatusCode)
	}
}

func TestUnreachableAbortsWhenHijackIsUnsupported(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	if err := s.SetFault(Fault{Name: FaultUnreachable}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/users/getToken", strings.NewReader(validJSONCreds)))
	t.Error("ServeHTTP returned, want a panic")
}

// writeLog is a ResponseWriter that records whether anything was written.
type writeLog struct {
	mu      sync.Mutex
	header  http.Header
	written bool
}

func (w *writeLog) Header() http.Header { return w.header }
func (w *writeLog) WriteHeader(int)     { w.mu.Lock(); w.written = true; w.mu.Unlock() }
func (w *writeLog) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

func TestHangAnswersNothingUntilTheRequestIsCancelled(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultHang, Endpoint: EndpointCertification}); err != nil {
		t.Fatal(err)
	}
	hanging := make(chan struct{})
	s.hangHook = func() { close(hanging) }
	ctx, cancel := context.WithCancel(t.Context())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/certifications/"+AdultID, nil)
	req.Header.Set("Authorization", tok)
	w := &writeLog{header: http.Header{}}
	done := make(chan struct{})
	go func() { defer close(done); s.ServeHTTP(w, req) }()
	<-hanging
	select {
	case <-done:
		t.Fatal("ServeHTTP returned before the request was cancelled")
	default:
	}
	cancel()
	<-done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.written {
		t.Error("hang wrote an answer, want none")
	}
}

func TestHangEndsWhenTheClientGivesUp(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	ts := httptest.NewServer(s)
	defer ts.Close() // blocks until the hanging handler has returned
	if err := s.SetFault(Fault{Name: FaultHang, Endpoint: EndpointToken}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	s.hangHook = cancel // the client gives up as soon as the server hangs
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/users/getToken", strings.NewReader(validJSONCreds))
	resp, err := ts.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want the request to fail", resp.StatusCode)
	}
	if !errors.Is(err, ctx.Err()) {
		t.Errorf("error %v, want the client's cancellation", err)
	}
}

func TestSetFaultRejectsInvalidFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
	}{
		{"unknown name", Fault{Name: "explode"}},
		{"empty name", Fault{}},
		{"unknown endpoint", Fault{Name: FaultHang, Endpoint: "payments"}},
		{"negative times", Fault{Name: FaultHang, Times: -1}},
		{"token_revoked on token", Fault{Name: FaultTokenRevoked, Endpoint: EndpointToken}},
		{"bad_credentials on certification", Fault{Name: FaultBadCredentials, Endpoint: EndpointCertification}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			if err := s.SetFault(tt.fault); err == nil {
				t.Error("SetFault succeeded, want an error")
			}
			if _, ok := s.ActiveFault(); ok {
				t.Error("an invalid fault became active")
			}
		})
	}
}
