package sandbox

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// v2Window is the parameters PortOne.requestIdentityVerification passes to
// the window, for id, in redirect mode (landing != "") or popup mode.
func v2Window(id, landing string) url.Values {
	v := url.Values{"storeId": {DefaultPortOneStoreID}, "identityVerificationId": {id},
		"identityVerificationTxId": {"0b7a1c2e-tx"}}
	if landing != "" {
		v.Set("mode", "redirect")
		v.Set("redirectUrl", landing)
	} else {
		v.Set("mode", "popup")
		v.Set("origin", "http://localhost:8080")
	}
	return v
}

// pickV2 posts the V2 window form with identity=<label>, or cancel=1 when
// label is "".
func pickV2(t *testing.T, s *Server, params url.Values, label string) *httptest.ResponseRecorder {
	t.Helper()
	return pickAt(t, s, PathV2Window, params, label)
}

// landedV2 returns the query the V2 window's redirect appended.
func landedV2(t *testing.T, rec *httptest.ResponseRecorder) url.Values {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func TestV2WindowShowsTheV2IdentitiesAndChecksTheRequest(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathV2Window+"?"+v2Window("identity-verification-abc", "").Encode(), nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	for _, c := range v2WindowIdentities {
		if !strings.Contains(body, `name="identity" value="`+c.Label+`"`) {
			t.Errorf("window lacks %s", c.Label)
		}
	}
	if !strings.Contains(body, `value="foreigner_unknown"`) || !strings.Contains(body, `name="identityVerificationTxId" value="0b7a1c2e-tx"`) {
		t.Error("window lacks the V2-only identity or the transaction id")
	}
	for name, mutate := range map[string]func(url.Values){
		"another store":        func(v url.Values) { v.Set("storeId", "store-other") },
		"no id":                func(v url.Values) { v.Del("identityVerificationId") },
		"id with a slash":      func(v url.Values) { v.Set("identityVerificationId", "a/b") },
		"id too long":          func(v url.Values) { v.Set("identityVerificationId", strings.Repeat("a", 129)) },
		"no transaction id":    func(v url.Values) { v.Del("identityVerificationTxId") },
		"relative redirectUrl": func(v url.Values) { v.Set("mode", "redirect"); v.Set("redirectUrl", "/x") },
	} {
		t.Run(name, func(t *testing.T) {
			q := v2Window("identity-verification-abc", "")
			mutate(q)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathV2Window+"?"+q.Encode(), nil))
			if rec.Code != http.StatusBadRequest {
				t.Errorf("GET: status %d, want 400", rec.Code)
			}
			if rec := pickV2(t, s, q, "adult"); rec.Code != http.StatusBadRequest {
				t.Errorf("POST: status %d, want 400", rec.Code)
			}
			if s.mintedV2.len() != 0 {
				t.Error("a refused window recorded a verification")
			}
		})
	}
}

func TestV2WindowRedirectsWithTheResponseMembers(t *testing.T) {
	tests := []struct {
		label, wantCode string
	}{
		{"adult", ""},
		{"foreigner_unknown", ""},
		{"not_certified", v2CodeNotVerified},
		{"", v2CodeCancelled},
	}
	for _, tt := range tests {
		t.Run("identity "+tt.label, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			q := landedV2(t, pickV2(t, s, v2Window("identity-verification-x1", "http://localhost:8080/?from=demo"), tt.label))
			if q.Get("from") != "demo" || q.Get("transactionType") != "IDENTITY_VERIFICATION" ||
				q.Get("identityVerificationId") != "identity-verification-x1" || q.Get("identityVerificationTxId") != "0b7a1c2e-tx" {
				t.Errorf("landing query %v", q)
			}
			if q.Get("code") != tt.wantCode || (tt.wantCode != "") != (q.Get("message") != "") || (tt.wantCode == "") == q.Has("code") {
				t.Errorf("code=%q message=%q, want code %q", q.Get("code"), q.Get("message"), tt.wantCode)
			}
		})
	}
}

func TestV2WindowPopupResolvesThePromiseWithTheResponse(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	rec := pickV2(t, s, v2Window("identity-verification-p1", ""), "adult")
	m := regexp.MustCompile(`data-sandbox="portone" data-origin="http://localhost:8080" data-result="([^"]*)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no portone result in %s", rec.Body)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"transactionType": "IDENTITY_VERIFICATION", "identityVerificationId": "identity-verification-p1",
		"identityVerificationTxId": "0b7a1c2e-tx"}
	if len(res) != len(want) {
		t.Errorf("result %v has members beyond %v (a code means failure)", res, want)
	}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
}

func TestV2VerificationsCompletedInTheWindowAreAnsweredByTheRESTImitation(t *testing.T) {
	s, clock := newTestServer(t, baseTime)
	pick := func(id, label string) url.Values {
		return landedV2(t, pickV2(t, s, v2Window(id, "http://localhost:8080/"), label))
	}
	pick("iv-adult", "adult")
	pick("iv-stale", "stale")
	pick("iv-api-error", "api_error")
	pick("iv-unknown-nationality", "foreigner_unknown")
	pick("iv-later", "not_certified")
	clock.Advance(time.Minute)

	adult := v2Get(t, s, "iv-adult", v2Auth, "")
	fixed := v2Get(t, s, AdultV2ID, v2Auth, "")
	customer := func(r v2Reply) map[string]any { c, _ := r.obj["verifiedCustomer"].(map[string]any); return c }
	if adult.status != http.StatusOK || adult.obj["status"] != "VERIFIED" || adult.obj["id"] != "iv-adult" ||
		adult.obj["verifiedAt"] != baseTime.UTC().Format(time.RFC3339) {
		t.Fatalf("adult: %s", adult.body)
	}
	if customer(adult)["ci"] != customer(fixed)["ci"] || customer(adult)["birthDate"] != customer(fixed)["birthDate"] {
		t.Errorf("the window's adult is not the fixed adult: %s vs %s", adult.body, fixed.body)
	}
	if r := v2Get(t, s, "iv-stale", v2Auth, ""); r.obj["verifiedAt"] != baseTime.Add(-stalenessOfTest).UTC().Format(time.RFC3339) {
		t.Errorf("stale: %s", r.body)
	}
	wantV2Error(t, v2Get(t, s, "iv-api-error", v2Auth, ""), http.StatusBadRequest, typeInvalidRequest)
	if r := v2Get(t, s, "iv-unknown-nationality", v2Auth, ""); r.status != http.StatusOK {
		t.Errorf("foreigner_unknown: %s", r.body)
	} else if _, ok := customer(r)["isForeigner"]; ok {
		t.Errorf("foreigner_unknown reports a nationality: %s", r.body)
	}
	if r := v2Get(t, s, "iv-later", v2Auth, ""); r.obj["status"] != "READY" {
		t.Errorf("not_certified: %s", r.body)
	}
	// The REST imitation still asks for the secret first.
	wantV2Error(t, v2Get(t, s, "iv-adult", "PortOne wrong", ""), http.StatusUnauthorized, typeUnauthorized)
	wantV2Error(t, v2Get(t, s, "iv-never", v2Auth, ""), http.StatusNotFound, typeNotFound)
}

func TestV2IdentityVerificationSucceedsOnlyOnce(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	landing := "http://localhost:8080/"
	// An unfinished verification may be tried again, and then succeed.
	if q := landedV2(t, pickV2(t, s, v2Window("iv-1", landing), "not_certified")); q.Get("code") != v2CodeNotVerified {
		t.Fatalf("first try: %v", q)
	}
	if q := landedV2(t, pickV2(t, s, v2Window("iv-1", landing), "minor")); q.Has("code") {
		t.Fatalf("second try: %v", q)
	}
	// A verified one cannot, and keeps the identity it was verified with.
	if q := landedV2(t, pickV2(t, s, v2Window("iv-1", landing), "adult")); q.Get("code") != v2CodeAlreadyVerified {
		t.Fatalf("third try: %v", q)
	}
	if m, _ := s.mintedV2.get("iv-1"); m.label != "minor" {
		t.Fatalf("the verified id now holds %q", m.label)
	}
	// Nor can the fixed test identities.
	if q := landedV2(t, pickV2(t, s, v2Window(MinorV2ID, landing), "adult")); q.Get("code") != v2CodeAlreadyVerified {
		t.Fatalf("fixed id: %v", q)
	}
	if r := v2Get(t, s, MinorV2ID, v2Auth, ""); r.obj["status"] != "VERIFIED" || s.mintedV2.len() != 1 {
		t.Fatalf("the fixed minor changed: %s", r.body)
	}
}
