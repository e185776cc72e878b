package caddymodule_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifiedRequestCarriesExactlyTheDefaultIdentityHeaders(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))

	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`","nick":"a"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := be.last(t)
	rec := sandboxRecord(t, keyFor(t), idAdult)
	want := map[string][]string{
		"X-Verified-Ci-Hash":    {hmacHex(testCIKey, rec["unique_key"].(string))},
		"X-Verified-Di":         {rec["unique_in_site"].(string)},
		"X-Verified-Birth-Year": {rec["birthday"].(string)[:4]},
	}
	ids := identityHeaders(got.Header)
	if fmt.Sprint(sortedKeys(ids)) != fmt.Sprint(sortedKeys(want)) {
		t.Fatalf("identity headers = %v, want exactly %v", ids, want)
	}
	for k, v := range want {
		if len(ids[k]) != 1 || ids[k][0] != v[0] {
			t.Errorf("%s = %q, want %q", k, ids[k], v)
		}
	}
	if len(want["X-Verified-Ci-Hash"][0]) != 64 || strings.ToLower(want["X-Verified-Ci-Hash"][0]) != want["X-Verified-Ci-Hash"][0] {
		t.Errorf("CI hash is not lower-case hex SHA-256: %q", want["X-Verified-Ci-Hash"][0])
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestIdentityWithoutDILeavesTheDIHeaderOut(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idNoDI+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	ids := identityHeaders(be.last(t).Header)
	if _, ok := ids["X-Verified-Di"]; ok {
		t.Fatalf("X-Verified-DI sent for an identity without DI: %v", ids)
	}
	if len(ids) != 2 {
		t.Fatalf("identity headers = %v, want CI hash and birth year only", ids)
	}
}

func TestForwardAddsTheOptInHeaders(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost",
		options: "forward name gender foreigner phone carrier birthday age imp_uid certified_at"}))

	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idHangul+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	h := be.last(t).Header
	rec := sandboxRecord(t, keyFor(t), idHangul)
	certifiedAt := time.Unix(int64(rec["certified_at"].(float64)), 0).UTC().Format(time.RFC3339)
	birthday := rec["birthday"].(string)
	for name, want := range map[string]string{
		"X-Verified-Name":      "%ED%99%8D%EA%B8%B8%EB%8F%99", // 홍길동, UTF-8 percent-encoded
		"X-Verified-Gender":    str(rec, "gender"),
		"X-Verified-Foreigner": "false",
		"X-Verified-Phone":     str(rec, "phone"),
		"X-Verified-Carrier":   str(rec, "carrier"),
		"X-Verified-Birthday":  birthday,
		"X-Verified-Imp-Uid":   idHangul,
		"X-Verified-At":        certifiedAt,
	} {
		if got := h.Get(name); got != want && !(name == "X-Verified-At" && sameInstant(got, want)) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if name, _ := url.PathUnescape(h.Get("X-Verified-Name")); name != rec["name"] {
		t.Errorf("decoded name = %q, want %q", name, rec["name"])
	}
	age, err := strconv.Atoi(h.Get("X-Verified-Age"))
	if err != nil || age < 19 || age > 120 {
		t.Errorf("X-Verified-Age = %q, want an adult's age", h.Get("X-Verified-Age"))
	}
}

// str reads a string field of a sandbox record; null and absent give "".
func str(rec map[string]any, key string) string {
	s, _ := rec[key].(string)
	return s
}

// hyphenSpellings are forged identity headers in every case, with several
// values and repeated lines; Caddy's server passes them all by default.
var hyphenSpellings = []string{
	"X-Verified-CI-Hash",
	"x-verified-ci-hash",
	"X-VERIFIED-DI",
	"X-Verified-Birth-Year",
	"X-Verified-Admin",
}

// aliasSpellings use '_' and '.' for '-', as CGI and PHP backends fold
// them together; Caddy passes them only with its allowlists on, and only
// single-valued.
var aliasSpellings = []string{
	"X-Verified_CI_Hash",
	"x_verified_di",
	"X_VERIFIED_BIRTH_YEAR",
	"X-Verified-CI_Hash",
	"X-Verified.CI.Hash",
	"x.verified.di",
	"X-Verified-CI.Hash",
}

func forgedRequest(t *testing.T, method, target, body string, spellings []string, values int) *http.Request {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, name := range spellings {
		// Raw map access keeps the exact spelling on the wire; several
		// values become repeated header lines.
		for i := 0; i < values; i++ {
			req.Header[name] = append(req.Header[name], fmt.Sprintf("forged-%d", i))
		}
	}
	return req
}

func TestForgedIdentityHeadersNeverReachTheUpstream(t *testing.T) {
	modes := []struct {
		name      string
		config    func(*testing.T, string, ...site) string
		spellings []string
		values    int
	}{
		{"hyphen spellings, repeated", config, hyphenSpellings, 2},
		{"underscore and dot spellings, Caddy allowlists on", configWithAllowlists, aliasSpellings, 1},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			be := newBackend(t)
			tester := startCaddy(t, mode.config(t, be.addr(), site{host: "localhost", options: `verify {
			method POST
			path /signup
		}`}))

			// Control: without the gateway in front, Caddy lets every
			// spelling through, so the checks below can only pass because
			// the handler strips them.
			resp, _ := do(t, tester, forgedRequest(t, http.MethodGet, "http://plain.localhost:9080/page", "", mode.spellings, mode.values))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("control request: status %d", resp.StatusCode)
			}
			// Spellings that differ only in case arrive as one header.
			distinct := map[string]bool{}
			for _, name := range mode.spellings {
				distinct[http.CanonicalHeaderKey(name)] = true
			}
			if n := len(identityHeaders(be.last(t).Header)); n != len(distinct) {
				t.Fatalf("control: backend saw %d forged names, want %d (Caddy dropped some; the test would prove nothing): %v",
					n, len(distinct), identityHeaders(be.last(t).Header))
			}

			cases := []struct {
				name, method, path, body string
				verified                 bool
			}{
				{"exempt GET", http.MethodGet, "/page", "", false},
				{"exempt POST elsewhere", http.MethodPost, "/comment", `{"imp_uid":"` + idAdult + `"}`, false},
				{"verified signup", http.MethodPost, "/signup", `{"imp_uid":"` + idAdult + `"}`, true},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before := be.hits()
					resp, body := do(t, tester, forgedRequest(t, tc.method, gatewayURL+tc.path, tc.body, mode.spellings, mode.values))
					if resp.StatusCode != http.StatusOK || be.hits() != before+1 {
						t.Fatalf("status %d (%s), backend hits %d→%d", resp.StatusCode, body, before, be.hits())
					}
					ids := identityHeaders(be.last(t).Header)
					for k, v := range ids {
						for _, val := range v {
							if strings.HasPrefix(val, "forged") {
								t.Errorf("forged %s: %q reached the upstream", k, v)
							}
						}
					}
					if tc.verified && len(ids) != 3 {
						t.Errorf("verified request: identity headers %v, want the three real ones", ids)
					}
					if !tc.verified && len(ids) != 0 {
						t.Errorf("exempt request: identity headers %v, want none", ids)
					}
				})
			}
		})
	}
}

func TestForgedHeadersAreStrippedOnRefusedRequestsToo(t *testing.T) {
	// A refused request never reaches the upstream at all; this checks the
	// handle_errors path, where the site's own routes run after a refusal.
	be := newBackend(t)
	tester := startCaddy(t, configWithAllowlists(t, be.addr(), site{host: "localhost", options: "min_age 19\n\t\trefusals handle_errors", after: `reverse_proxy ` + be.addr() + `
	handle_errors {
		respond "{err.status_code} {http.iamport.code} [{header.X-Verified_CI_Hash}{http.request.header.X-Verified.CI.Hash}{header.x_verified_di}]"
	}`}))
	resp, body := do(t, tester, forgedRequest(t, http.MethodPost, gatewayURL+"/signup", `{"imp_uid":"`+idMinor+`"}`, aliasSpellings, 1))
	if resp.StatusCode != http.StatusForbidden || string(body) != "403 underage []" {
		t.Fatalf("got %d %q, want 403 \"403 underage []\"", resp.StatusCode, body)
	}
	if be.hits() != 0 {
		t.Fatal("a refused request reached the upstream")
	}
}

func TestBodyReachesTheUpstreamByteForByte(t *testing.T) {
	be := newBackend(t)
	// single_use off: every case verifies the same identity.
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use off"}))

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("nick", "홍")
	fw, _ := mw.CreateFormFile("avatar", "a.bin")
	_, _ = fw.Write(bytes.Repeat([]byte{0, 1, 2, 255, '\r', '\n'}, 2000))
	_ = mw.WriteField("imp_uid", idAdult)
	_ = mw.Close()

	cases := []struct {
		name, contentType string
		body              []byte
		chunked           bool
	}{
		{"json", "application/json", []byte(`{"nick":"홍길동","imp_uid":"` + idAdult + `","x":[1,2,{"y":null}]}`), false},
		{"json chunked", "application/json; charset=utf-8", []byte(`{"imp_uid":"` + idAdult + `","pad":"` + strings.Repeat("z", 70000) + `"}`), true},
		{"urlencoded", "application/x-www-form-urlencoded", []byte("nick=%ED%99%8D&imp_uid=" + idAdult + "&a=1&a=2"), false},
		{"multipart chunked", mw.FormDataContentType(), mp.Bytes(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				rd = io.MultiReader(rd) // hides the length: the client sends it chunked
			}
			req, _ := http.NewRequest(http.MethodPost, gatewayURL+"/signup", rd)
			req.Header.Set("Content-Type", tc.contentType)
			if tc.chunked {
				req.ContentLength = -1
			}
			resp, body := do(t, tester, req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			got := be.last(t)
			if !bytes.Equal(got.Body, tc.body) {
				t.Fatalf("upstream body differs: got %d bytes, want %d", len(got.Body), len(tc.body))
			}
			if got.Length != int64(len(tc.body)) || got.Chunked {
				t.Fatalf("upstream framing: Content-Length %d chunked %v, want %d and not chunked", got.Length, got.Chunked, len(tc.body))
			}
			if got.Header.Get("Content-Type") != tc.contentType {
				t.Fatalf("Content-Type = %q", got.Header.Get("Content-Type"))
			}
		})
	}
}

// sameInstant reports whether two RFC 3339 times are at most two seconds
// apart. The sandbox dates its identities at request time ("a minute
// ago"), so the record a test fetches after the verification may be a
// second later than the one the gateway saw.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	if errA != nil || errB != nil {
		return false
	}
	d := ta.Sub(tb)
	return d >= -2*time.Second && d <= 2*time.Second
}
