package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestV2FaultsAnswerWithV2Bodies(t *testing.T) {
	tests := []struct {
		fault      FaultName
		wantStatus int
		wantType   string // error type; "" when the answer is not a V2 error
		check      func(t *testing.T, r v2Reply)
	}{
		{FaultStatus500, 500, "INTERNAL_SERVER_ERROR", nil},
		{FaultStatus503, 503, "SERVICE_UNAVAILABLE", nil},
		{FaultSecretRefused, 401, "UNAUTHORIZED", nil},
		{FaultForbidden, 403, "FORBIDDEN", nil},
		{FaultUnknownErrorType, 400, "SANDBOX_UNDOCUMENTED_ERROR", nil},
		{FaultResponseNull, 200, "", func(t *testing.T, r v2Reply) {
			if r.body != "null" {
				t.Errorf("body = %s, want null", r.body)
			}
		}},
		{FaultMalformedJSON, 200, "", func(t *testing.T, r v2Reply) {
			if json.Valid([]byte(r.body)) {
				t.Errorf("body %s is valid JSON", r.body)
			}
		}},
		{FaultUnknownStatus, 200, "", func(t *testing.T, r v2Reply) {
			if r.obj["status"] != "SANDBOX_UNDOCUMENTED_STATUS" || r.obj["id"] != AdultV2ID {
				t.Errorf("body %s, want the adult under an undocumented status", r.body)
			}
		}},
		{FaultOtherID, 200, "", func(t *testing.T, r v2Reply) {
			if r.obj["status"] != "VERIFIED" || r.obj["id"] == AdultV2ID {
				t.Errorf("body %s, want a verification about another id", r.body)
			}
		}},
		{FaultPlainNotFound, 404, "", func(t *testing.T, r v2Reply) {
			if r.obj != nil || r.header.Get("Content-Type") == contentType {
				t.Errorf("body %s (%s), want a non-JSON page", r.body, r.header.Get("Content-Type"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			if err := s.SetFault(Fault{Name: tt.fault, Endpoint: EndpointIdentityVerification, Times: 1}); err != nil {
				t.Fatal(err)
			}
			r := v2Get(t, s, AdultV2ID, v2Auth, "")
			if tt.wantType != "" {
				wantV2Error(t, r, tt.wantStatus, tt.wantType)
			} else if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", r.status, tt.wantStatus, r.body)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
			if r := v2Get(t, s, AdultV2ID, v2Auth, ""); r.status != http.StatusOK {
				t.Errorf("after the fault ran out: %d %s", r.status, r.body)
			}
		})
	}
}

func TestFaultsFireOnlyOnTheCallsTheyFit(t *testing.T) {
	tests := []struct {
		fault        FaultName
		v1Hit, v2Hit bool
	}{
		{FaultStatus503, true, true},
		{FaultCodeNonzero, true, false},
		{FaultTokenRevoked, true, false},
		{FaultSecretRefused, false, true},
		{FaultForbidden, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			tok, _ := getToken(t, s)
			if err := s.SetFault(Fault{Name: tt.fault}); err != nil { // EndpointAny
				t.Fatal(err)
			}
			if hit := v2Get(t, s, AdultV2ID, v2Auth, "").status != http.StatusOK; hit != tt.v2Hit {
				t.Errorf("V2 call hit = %v, want %v", hit, tt.v2Hit)
			}
			if r := certify(t, s, tok, AdultID); (r.status != http.StatusOK || r.code != "0") != tt.v1Hit {
				t.Errorf("V1 call answered %d %s, want hit = %v", r.status, r.body, tt.v1Hit)
			}
		})
	}
}

func TestSetFaultRejectsFaultsOnCallsTheyDoNotFit(t *testing.T) {
	for _, f := range []Fault{
		{Name: FaultSecretRefused, Endpoint: EndpointCertification},
		{Name: FaultOtherID, Endpoint: EndpointToken},
		{Name: FaultCodeNonzero, Endpoint: EndpointIdentityVerification},
		{Name: FaultTokenRevoked, Endpoint: EndpointIdentityVerification},
		{Name: FaultBadCredentials, Endpoint: EndpointIdentityVerification},
	} {
		s, _ := newTestServer(t, baseTime)
		if err := s.SetFault(f); err == nil {
			t.Errorf("SetFault(%+v) succeeded, want an error", f)
		}
	}
	s, _ := newTestServer(t, baseTime)
	if err := s.SetFault(Fault{Name: FaultHang, Endpoint: EndpointIdentityVerification}); err != nil {
		t.Errorf("hang on identity_verification: %v", err)
	}
}

func TestV2FaultCanBeSetThroughTheControlEndpoint(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	r := do(t, s, http.MethodPost, "/__sandbox/faults", `{"fault":"secret_refused","endpoint":"identity_verification","times":1}`, jsonHeader)
	if r.status != http.StatusOK {
		t.Fatalf("POST /__sandbox/faults: %d %s", r.status, r.body)
	}
	wantV2Error(t, v2Get(t, s, AdultV2ID, v2Auth, ""), http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestV2SlowFaultDelaysThenAnswersNormally(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	if err := s.SetFault(Fault{Name: FaultSlow, Endpoint: EndpointIdentityVerification, Delay: Delay(time.Millisecond), Times: 1}); err != nil {
		t.Fatal(err)
	}
	if r := v2Get(t, s, AdultV2ID, v2Auth, ""); r.status != http.StatusOK || r.obj["status"] != "VERIFIED" {
		t.Fatalf("got %d %s, want the normal answer", r.status, r.body)
	}
	if _, active := s.ActiveFault(); active {
		t.Fatal("the slow fault did not count the V2 call")
	}
}
