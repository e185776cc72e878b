package demopage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestPageLoadsTheConfiguredSDKsAndCarriesTheSettings(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		want, avoid []string
	}{
		{"v1 with defaults", Config{SDK: "http://127.0.0.1:8081", V1: &V1{}},
			[]string{`<script src="http://127.0.0.1:8081/sdk/iamport.js">`, `data-v1-code="imp00000000"`, `data-v1-path="/signup"`,
				`<input type="hidden" name="source" value="v1">`},
			[]string{"portone.js", "data-v2-", `type="radio"`}},
		{"v2 only", Config{SDK: "https://sandbox.example/", V2: &V2{StoreID: "store-1", ChannelKey: "ch-1", Signup: "/signup/v2"}},
			[]string{`<script src="https://sandbox.example/sdk/portone.js">`, `data-v2-store="store-1"`, `data-v2-channel="ch-1"`,
				`data-v2-path="/signup/v2"`, `<input type="hidden" name="source" value="v2">`},
			[]string{"iamport.js", "data-v1-"}},
		{"both: the person chooses", Config{SDK: "http://127.0.0.1:8081", V1: &V1{UserCode: "imp12345678", Signup: "/join"},
			V2: &V2{StoreID: "s", ChannelKey: "c", Signup: "/join2"}},
			[]string{"iamport.js", "portone.js", `type="radio" name="source" value="v1" checked`, `type="radio" name="source" value="v2"`,
				`data-v1-code="imp12345678"`, `data-v1-path="/join"`},
			nil},
		{"settings are escaped", Config{SDK: "http://127.0.0.1:8081", V1: &V1{UserCode: `"><script>x</script>`}},
			[]string{`data-v1-code="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`},
			[]string{"<script>x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			rec := get(t, h, http.MethodGet, "/")
			body := rec.Body.String()
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(body, a) {
					t.Errorf("page has %s", a)
				}
			}
		})
	}
}

func TestPageAnswersEveryPathButItsAssetsAndOnlyReads(t *testing.T) {
	h, err := New(Config{SDK: "http://127.0.0.1:8081", V1: &V1{}})
	if err != nil {
		t.Fatal(err)
	}
	// The redirect flow lands on the page's URL with the id in the query.
	rec := get(t, h, http.MethodGet, "/?imp_uid=imp_300000000001&merchant_uid=m&success=true&imp_success=true")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<form id="signup"`) {
		t.Fatalf("landing: %d", rec.Code)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, w := range []string{"script-src 'self' http://127.0.0.1:8081;", "connect-src 'self'", "frame-src 'none'"} {
		if !strings.Contains(csp, w) {
			t.Errorf("CSP %q lacks %q", csp, w)
		}
	}
	if rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Error("the page, whose URL may carry an id, sends a Referer")
	}
	for path, want := range map[string]string{PathScript: "text/javascript; charset=utf-8", PathStylesheet: "text/css; charset=utf-8"} {
		rec := get(t, h, http.MethodGet, path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != want || rec.Body.Len() == 0 {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if rec := get(t, h, http.MethodHead, "/"); rec.Code != http.StatusOK {
		t.Errorf("HEAD: %d", rec.Code)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		if rec := get(t, h, m, "/"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d", m, rec.Code)
		}
	}
}

func TestNewRefusesSettingsThePageCannotUse(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no sdk", Config{V1: &V1{}}, "not an http(s) origin"},
		{"sdk with a path", Config{SDK: "http://127.0.0.1:8081/sdk", V1: &V1{}}, "not an http(s) origin"},
		{"sdk not http", Config{SDK: "javascript:alert(1)", V1: &V1{}}, "not an http(s) origin"},
		{"no source", Config{SDK: "http://127.0.0.1:8081"}, "neither"},
		{"relative v1 path", Config{SDK: "http://127.0.0.1:8081", V1: &V1{Signup: "signup"}}, "must start with /"},
		{"v2 without a channel key", Config{SDK: "http://127.0.0.1:8081", V2: &V2{StoreID: "s", Signup: "/s"}}, "needs a store id"},
		{"relative v2 path", Config{SDK: "http://127.0.0.1:8081", V2: &V2{StoreID: "s", ChannelKey: "c", Signup: "s"}}, "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestScriptKnowsEveryRefusalCode keeps the page's words in step with the
// gateway's codes: a code the page does not know would be shown only by
// the server's English title.
func TestScriptKnowsEveryRefusalCode(t *testing.T) {
	js, err := webFS.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range problem.Codes() {
		if !strings.Contains(string(js), "\n    "+string(c)+": [") {
			t.Errorf("web/app.js has no words for %s", c)
		}
	}
}
