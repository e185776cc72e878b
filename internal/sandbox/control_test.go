package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControlEndpointsSetReadAndClearFaults(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)

	r := do(t, s, http.MethodPost, "/__sandbox/faults", `{"fault":"status_503","endpoint":"certification","times":2}`, jsonHeader)
	if r.status != http.StatusOK || r.body != `{"fault":"status_503","endpoint":"certification","times":2}` {
		t.Fatalf("POST faults: %d %s", r.status, r.body)
	}
	if r := certify(t, s, tok, AdultID); r.status != http.StatusServiceUnavailable {
		t.Errorf("certification: status %d, want 503", r.status)
	}
	if r := do(t, s, http.MethodGet, "/__sandbox/faults", "", nil); r.body != `{"fault":"status_503","endpoint":"certification","times":1}` {
		t.Errorf("GET faults = %s, want one call remaining", r.body)
	}
	if r := do(t, s, http.MethodDelete, "/__sandbox/faults", "", nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE faults: status %d, want 204", r.status)
	}
	if r := do(t, s, http.MethodGet, "/__sandbox/faults", "", nil); r.body != "null" {
		t.Errorf("GET faults after DELETE = %s, want null", r.body)
	}
	if r := certify(t, s, tok, AdultID); r.status != http.StatusOK {
		t.Errorf("certification after DELETE: status %d, want 200", r.status)
	}
}

func TestControlFaultsDefaultsToAnyEndpointUntilCleared(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	r := do(t, s, http.MethodPost, "/__sandbox/faults", `{"fault":"code_nonzero"}`, jsonHeader)
	if r.body != `{"fault":"code_nonzero","endpoint":"any"}` {
		t.Errorf("POST faults = %s, want endpoint any and no times", r.body)
	}
}

func TestControlFaultsRejectsBadRequests(t *testing.T) {
	for _, body := range []string{`{"fault":"explode"}`, `{"fault":"hang","times":"2"}`, `{"fault":"hang","extra":1}`, `not json`} {
		s, _ := newTestServer(t, baseTime)
		r := do(t, s, http.MethodPost, "/__sandbox/faults", body, jsonHeader)
		wantEnvelopeError(t, r, http.StatusBadRequest, "-1")
		if _, ok := s.ActiveFault(); ok {
			t.Errorf("%s: a fault became active", body)
		}
	}
}

func TestResetClearsFaultsTokensAndStats(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	old, _ := getToken(t, s)
	if err := s.SetFault(Fault{Name: FaultStatus500, Endpoint: EndpointCertification}); err != nil {
		t.Fatal(err)
	}
	if r := do(t, s, http.MethodPost, "/__sandbox/reset", "", nil); r.status != http.StatusNoContent {
		t.Fatalf("reset: status %d, want 204", r.status)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("Stats after reset = %+v, want zero", st)
	}
	if _, ok := s.ActiveFault(); ok {
		t.Error("fault still active after reset")
	}
	if r := certify(t, s, old, AdultID); r.status != http.StatusUnauthorized {
		t.Errorf("old token after reset: status %d, want 401", r.status)
	}
	if fresh, _ := getToken(t, s); fresh == old {
		t.Error("getToken after reset returned the old token")
	}
}

func TestStatsCountEveryCallIncludingFailures(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)                                                    // token 1
	do(t, s, http.MethodPost, "/users/getToken", `{"imp_key":"x"}`, jsonHeader) // token 2: 401
	do(t, s, http.MethodGet, "/users/getToken", "", nil)                        // token 3: 405
	certify(t, s, tok, AdultID)                                                 // cert 1: 200
	certify(t, s, "wrong", AdultID)                                             // cert 2: 401
	certify(t, s, tok, "imp_999999999999")                                      // cert 3: 404
	do(t, s, http.MethodGet, "/__sandbox/stats", "", nil)                       // not counted
	do(t, s, http.MethodGet, "/elsewhere", "", nil)                             // not counted
	if err := s.SetFault(Fault{Name: FaultMalformedJSON, Times: 2}); err != nil {
		t.Fatal(err)
	}
	do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader) // token 4: faulted
	certify(t, s, tok, AdultID)                                              // cert 4: faulted

	want := Stats{GetToken: 4, Certifications: 4, MaxCertificationsInFlight: 1} // one at a time
	if got := s.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	r := do(t, s, http.MethodGet, "/__sandbox/stats", "", nil)
	var got Stats
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || got != want || !strings.Contains(r.body, `"get_token":4`) {
		t.Errorf("GET /__sandbox/stats = %s (%v), want %+v", r.body, err, want)
	}
}

func TestServerWorksOverRealHTTP(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	ts := httptest.NewServer(s)
	defer ts.Close()
	resp, err := ts.Client().Post(ts.URL+"/users/getToken", "application/x-www-form-urlencoded",
		strings.NewReader("imp_key=sandbox_key&imp_secret=sandbox_secret"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || env.Response.AccessToken == "" {
		t.Fatalf("getToken over HTTP: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/certifications/"+HangulNameID, nil)
	req.Header.Set("X-ImpTokenHeader", env.Response.AccessToken)
	resp, err = ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cert struct {
		Response struct {
			Name string `json:"name"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cert); err != nil || cert.Response.Name != "홍길동" {
		t.Errorf("certification over HTTP: name %q, err %v, want 홍길동", cert.Response.Name, err)
	}
}
