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

// pick posts the V1 window form as the window's buttons do: the hidden
// parameters plus identity=<label>, or cancel=1 when label is "".
func pick(t *testing.T, s *Server, params url.Values, label string) *httptest.ResponseRecorder {
	t.Helper()
	return pickAt(t, s, PathV1Window, params, label)
}

// pickAt posts the form of the window at path (V1's or V2's) as its
// buttons do.
func pickAt(t *testing.T, s *Server, path string, params url.Values, label string) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	if label == "" {
		form.Set("cancel", "1")
	} else {
		form.Set("identity", label)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func redirectParams(landing string) url.Values {
	return url.Values{"mode": {"redirect"}, "m_redirect_url": {landing}, "merchant_uid": {"mid_42"}, "user_code": {"imp00000000"}}
}

func popupParams() url.Values {
	return url.Values{"mode": {"popup"}, "origin": {"http://localhost:8080"}, "merchant_uid": {"mid_42"}, "user_code": {"imp00000000"}}
}

var mintedIDPattern = regexp.MustCompile(`^imp_3\d{11}$`)

func TestWindowShowsEveryOfferedIdentityAndCarriesTheParameters(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	q := redirectParams("http://localhost:8080/?a=1")
	q.Set("company", `<b>Shop</b>`)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathV1Window+"?"+q.Encode(), nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, c := range windowIdentities {
		if !strings.Contains(body, `name="identity" value="`+c.Label+`"`) || !strings.Contains(body, html.EscapeString(c.Korean)) {
			t.Errorf("window lacks a button for %s", c.Label)
		}
	}
	if !strings.Contains(body, `name="cancel"`) {
		t.Error("window lacks the cancel button")
	}
	for _, want := range []string{
		`name="m_redirect_url" value="http://localhost:8080/?a=1"`, `name="merchant_uid" value="mid_42"`, `name="mode" value="redirect"`,
		"&lt;b&gt;Shop&lt;/b&gt;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("window lacks %s", want)
		}
	}
	if strings.Contains(body, "<b>Shop") {
		t.Error("the company name was not escaped")
	}
}

func TestWindowRedirectsToTheLandingURLWithBothSpellingsOfSuccess(t *testing.T) {
	tests := []struct {
		label       string
		wantSuccess string
		wantImpUID  bool
		wantError   string
	}{
		{"adult", "true", true, ""},
		{"minor", "true", true, ""},
		{"not_certified", "false", true, v1CodeNotCertified},
		{"", "false", false, v1CodeCancelled}, // cancel
	}
	for _, tt := range tests {
		t.Run("identity "+tt.label, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			rec := pick(t, s, redirectParams("http://localhost:8080/signup/done?step=2#top"), tt.label)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if loc.Scheme+"://"+loc.Host+loc.Path != "http://localhost:8080/signup/done" || loc.Fragment != "" {
				t.Errorf("Location %s does not go to the landing URL without its fragment", loc)
			}
			q := loc.Query()
			if q.Get("step") != "2" {
				t.Errorf("the landing URL's own query was lost: %s", loc.RawQuery)
			}
			if q.Get("success") != tt.wantSuccess || q.Get("imp_success") != tt.wantSuccess {
				t.Errorf("success=%q imp_success=%q, want %q for both", q.Get("success"), q.Get("imp_success"), tt.wantSuccess)
			}
			if q.Get("merchant_uid") != "mid_42" {
				t.Errorf("merchant_uid = %q", q.Get("merchant_uid"))
			}
			if got := q.Get("imp_uid"); tt.wantImpUID != mintedIDPattern.MatchString(got) || (!tt.wantImpUID && q.Has("imp_uid")) {
				t.Errorf("imp_uid = %q (present: %v), want a minted id: %v", got, q.Has("imp_uid"), tt.wantImpUID)
			}
			if q.Get("error_code") != tt.wantError || (tt.wantError != "" && q.Get("error_msg") == "") {
				t.Errorf("error_code=%q error_msg=%q, want code %q", q.Get("error_code"), q.Get("error_msg"), tt.wantError)
			}
		})
	}
}

func TestWindowPopupPostsTheCallbackResultToTheOpenerOrigin(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	rec := pick(t, s, popupParams(), "adult")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	m := regexp.MustCompile(`data-origin="([^"]*)" data-result="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no result in %s", body)
	}
	if m[1] != "http://localhost:8080" {
		t.Errorf("postMessage target %q", m[1])
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &res); err != nil {
		t.Fatal(err)
	}
	if res["success"] != true || res["imp_success"] != true || res["merchant_uid"] != "mid_42" ||
		res["error_code"] != nil || res["error_msg"] != nil || !mintedIDPattern.MatchString(res["imp_uid"].(string)) {
		t.Errorf("callback result %v", res)
	}
	if !strings.Contains(body, `src="/sdk/window.js"`) {
		t.Error("the done page does not load the script that posts the result")
	}
}

func TestWindowRefusesParametersNoSDKCallProduces(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		label  string
	}{
		{"no mode", url.Values{"origin": {"http://localhost:8080"}}, "adult"},
		{"wildcard origin", url.Values{"mode": {"popup"}, "origin": {"*"}}, "adult"},
		{"origin with a path", url.Values{"mode": {"popup"}, "origin": {"http://localhost:8080/x"}}, "adult"},
		{"javascript landing", url.Values{"mode": {"redirect"}, "m_redirect_url": {"javascript:alert(1)"}}, "adult"},
		{"relative landing", url.Values{"mode": {"redirect"}, "m_redirect_url": {"/signup"}}, "adult"},
		{"landing with credentials", url.Values{"mode": {"redirect"}, "m_redirect_url": {"http://u:p@localhost/"}}, "adult"},
		{"unknown identity", popupParams(), "superuser"},
		{"generated adult is not offered", popupParams(), "adult_200000000001"},
		{"huge parameter", url.Values{"mode": {"popup"}, "origin": {"http://localhost:8080"}, "company": {strings.Repeat("x", maxParamLength+1)}}, "adult"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			if rec := pick(t, s, tt.params, tt.label); rec.Code != http.StatusBadRequest {
				t.Errorf("POST: status %d, want 400", rec.Code)
			}
			if s.minted.len() != 0 {
				t.Error("a refused window post minted a verification")
			}
			if tt.label == "adult" {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathV1Window+"?"+tt.params.Encode(), nil))
				if rec.Code != http.StatusBadRequest {
					t.Errorf("GET: status %d, want 400", rec.Code)
				}
			}
		})
	}
}

// mintByRedirect completes a verification of label in the window and
// returns the imp_uid the landing URL received.
func mintByRedirect(t *testing.T, s *Server, label string) string {
	t.Helper()
	rec := pick(t, s, redirectParams("http://localhost:8080/"), label)
	loc, _ := url.Parse(rec.Header().Get("Location"))
	id := loc.Query().Get("imp_uid")
	if !mintedIDPattern.MatchString(id) {
		t.Fatalf("no minted imp_uid in %q", rec.Header().Get("Location"))
	}
	return id
}

func TestMintedVerificationsAreAnsweredByTheRESTImitation(t *testing.T) {
	s, clock := newTestServer(t, baseTime)
	adult1 := mintByRedirect(t, s, "adult")
	clock.Advance(10 * time.Second)
	adult2 := mintByRedirect(t, s, "adult")
	minor := mintByRedirect(t, s, "minor")
	stale := mintByRedirect(t, s, "stale")
	unfinished := mintByRedirect(t, s, "not_certified")
	apiError := mintByRedirect(t, s, "api_error")
	if adult1 == adult2 {
		t.Fatal("two verifications got the same imp_uid")
	}
	clock.Advance(time.Minute)
	tok, _ := getToken(t, s)
	mintedAt := baseTime.Add(10 * time.Second).Unix()

	fixed := certify(t, s, tok, AdultID)
	for _, tt := range []struct {
		id          string
		birthday    string
		certified   bool
		certifiedAt int64
		sameCIAs    string
	}{
		{adult2, fixed.resp["birthday"].(string), true, mintedAt, AdultID},
		{minor, certify(t, s, tok, MinorID).resp["birthday"].(string), true, mintedAt, MinorID},
		{stale, certify(t, s, tok, StaleID).resp["birthday"].(string), true, baseTime.Add(10*time.Second - stalenessOfTest).Unix(), StaleID},
		{unfinished, certify(t, s, tok, NotCertifiedID).resp["birthday"].(string), false, 0, ""},
	} {
		r := certify(t, s, tok, tt.id)
		if r.status != http.StatusOK || r.code != "0" {
			t.Fatalf("%s: status %d body %s", tt.id, r.status, r.body)
		}
		at, _ := r.resp["certified_at"].(json.Number).Int64()
		if r.resp["imp_uid"] != tt.id || r.resp["merchant_uid"] != "mid_42" || r.resp["birthday"] != tt.birthday ||
			r.resp["certified"] != tt.certified || at != tt.certifiedAt {
			t.Errorf("%s: %s", tt.id, r.body)
		}
		if tt.sameCIAs != "" && r.resp["unique_key"] != certify(t, s, tok, tt.sameCIAs).resp["unique_key"] {
			t.Errorf("%s: not the CI of %s, the same person", tt.id, tt.sameCIAs)
		}
	}
	r := certify(t, s, tok, apiError)
	if r.status != http.StatusOK || r.code != "1" || string(r.respRaw) != "null" {
		t.Errorf("api_error: %s", r.body)
	}
	// An id of the minted shape that was never minted is unknown (the odds
	// that one of the six random ids above is this one are 6 in 10^11).
	never := "imp_300000000000"
	if r := certify(t, s, tok, never); r.status != http.StatusNotFound {
		t.Errorf("%s, never minted: status %d", never, r.status)
	}
}

func TestMintRegistryForgetsTheOldestBeyondItsBound(t *testing.T) {
	var g mintRegistry
	first, err := g.add(MintedPrefix, 11, minted{label: "adult"})
	if err != nil {
		t.Fatal(err)
	}
	for range maxMinted {
		if _, err := g.add(MintedPrefix, 11, minted{label: "adult"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := g.get(first); ok || g.len() != maxMinted {
		t.Fatalf("first still known: %v, %d recorded", ok, g.len())
	}
	never := func(minted) bool { return false }
	if !g.put("chosen-id", minted{label: "minor"}, never) || g.put("chosen-id", minted{label: "adult"}, never) {
		t.Fatal("put must record a new id once and refuse it again")
	}
	if m, _ := g.get("chosen-id"); m.label != "minor" {
		t.Fatalf("a refused put changed the record to %q", m.label)
	}
	if !g.put("chosen-id", minted{label: "adult"}, func(old minted) bool { return old.label == "minor" }) {
		t.Fatal("put refused to replace a replaceable record")
	}
	if m, _ := g.get("chosen-id"); m.label != "adult" || g.len() != maxMinted {
		t.Fatalf("after a replacement: %q, %d recorded", m.label, g.len())
	}
}

func TestSDKAssetsAreServedWithTheirTypes(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	for path, want := range map[string]string{
		PathIamportJS: "window.IMP", PathPortOneJS: "window.PortOne", pathWindowJS: "postMessage", pathWindowCSS: ".identities",
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: status %d type %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PathIamportJS, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST to a script: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sdk/nothing.js", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", rec.Code)
	}
}
