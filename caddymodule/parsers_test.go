package caddymodule_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// rawRequest is a request as a client sends it: the exact Content-Type
// (none when empty) and body bytes.
type rawRequest struct {
	method, target, contentType string
	body                        []byte
	chunked                     bool
}

func (rr rawRequest) send(t *testing.T) *http.Request {
	t.Helper()
	var rd io.Reader
	if rr.body != nil {
		rd = bytes.NewReader(rr.body)
		if rr.chunked {
			rd = io.MultiReader(rd) // hides the length: sent chunked
		}
	}
	method := rr.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, gatewayURL+rr.target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rr.contentType != "" {
		req.Header["Content-Type"] = []string{rr.contentType}
	}
	if rr.chunked {
		req.ContentLength = -1
	}
	return req
}

// crlf joins lines with CRLF, as clients frame multipart bodies.
func crlf(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

// multipartOf builds a multipart body with the given boundary from parts,
// each a Content-Disposition value and content.
func multipartOf(boundary string, parts ...[2]string) []byte {
	var lines []string
	for _, p := range parts {
		lines = append(lines, "--"+boundary, "Content-Disposition: "+p[0], "", p[1])
	}
	return crlf(append(lines, "--"+boundary+"--", "")...)
}

// TestSmuggledSecondIDIsRefusedBeforeTheUpstream sends the verified
// adult's id together with a minor's id in every spelling and body shape
// some backend framework would hand to the application as imp_uid. Each
// is refused with 400 before i'mport is asked and before the upstream.
func TestSmuggledSecondIDIsRefusedBeforeTheUpstream(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	const mpCT = "multipart/form-data; boundary=XyZ"
	form := func(key string) []byte { return []byte("imp_uid=" + idAdult + "&" + key + "=" + idMinor) }
	mp := func(disposition string) []byte {
		return multipartOf("XyZ", [2]string{`form-data; name="imp_uid"`, idAdult}, [2]string{disposition, idMinor})
	}
	cases := []struct {
		name string
		req  rawRequest
		code string
	}{
		// Key spellings PHP, Rack, qs, Django and Spring read as imp_uid.
		{"form, leading space (PHP)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("%20imp_uid")}, "imp_uid_conflict"},
		{"form, plus for space (PHP)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("imp+uid")}, "imp_uid_conflict"},
		{"form, NUL ends the name (PHP)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("imp_uid%00x")}, "imp_uid_conflict"},
		{"form, array (PHP, Rack, qs)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("imp_uid%5B%5D")}, "imp_uid_conflict"},
		{"form, hash (PHP, Rack, qs)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("imp_uid[x]")}, "imp_uid_conflict"},
		{"form, nested under a model (Rails)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("user[imp_uid]")}, "imp_uid_conflict"},
		{"form, leading bracket (qs)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("[imp_uid]")}, "imp_uid_conflict"},
		{"form, default prefix (Spring)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("!imp_uid")}, "imp_uid_conflict"},
		{"form, upper case with a dot", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: form("IMP.UID")}, "imp_uid_conflict"},
		{"query, unterminated bracket (PHP)", rawRequest{target: "/signup?imp%5Buid=" + idMinor, contentType: "application/json", body: []byte(`{"imp_uid":"` + idAdult + `"}`)}, "imp_uid_conflict"},
		{"query, leading space (PHP)", rawRequest{target: "/signup?+imp_uid=" + idMinor + "&imp_uid=" + idAdult}, "imp_uid_conflict"},
		{"multipart, leading space in the name", rawRequest{target: "/signup", contentType: mpCT, body: mp(`form-data; name=" imp_uid"`)}, "imp_uid_conflict"},
		{"multipart, array name", rawRequest{target: "/signup", contentType: mpCT, body: mp(`form-data; name="imp_uid[]"`)}, "imp_uid_conflict"},
		{"JSON, nested under a model", rawRequest{target: "/signup", contentType: "application/json", body: []byte(`{"imp_uid":"` + idAdult + `","user":{"imp_uid":"` + idMinor + `"}}`)}, "imp_uid_conflict"},
		{"JSON, upper-case key", rawRequest{target: "/signup", contentType: "application/json", body: []byte(`{"imp_uid":"` + idAdult + `","IMP_UID":"` + idMinor + `"}`)}, "imp_uid_conflict"},

		// Bodies backends parse that a gateway reading only
		// application/json, urlencoded and multipart would skip.
		{"text/json (Laravel) is read as JSON", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "text/json", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "imp_uid_conflict"},
		{"application/x-json (Symfony) is read as JSON", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "application/x-json", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "imp_uid_conflict"},
		{"vendor +json is read as JSON", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "application/vnd.api+json", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "imp_uid_conflict"},
		{"comma-joined second type", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "application/x-www-form-urlencoded, application/json", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "body_invalid"},
		{"no Content-Type (Rack parses it as a form)", rawRequest{target: "/signup?imp_uid=" + idAdult, body: []byte("imp_uid=" + idMinor)}, "body_invalid"},
		{"no Content-Type, chunked", rawRequest{target: "/signup?imp_uid=" + idAdult, body: []byte("imp_uid=" + idMinor), chunked: true}, "body_invalid"},
		{"text/plain", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "text/plain", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "body_invalid"},
		{"multipart/mixed (Rack parses it)", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "multipart/mixed; boundary=XyZ", body: multipartOf("XyZ", [2]string{`form-data; name="imp_uid"`, idMinor})}, "body_invalid"},
		{"JSON in UTF-16", rawRequest{target: "/signup?imp_uid=" + idAdult, contentType: "application/json; charset=utf-16", body: []byte(`{"imp_uid":"` + idMinor + `"}`)}, "body_invalid"},
		{"form in UTF-7", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded; charset=utf-7", body: []byte("imp_uid=" + idAdult + "&+AGk-mp_uid=" + idMinor)}, "body_invalid"},
		{"multipart part with an attachment disposition (PHP reads it)", rawRequest{target: "/signup", contentType: mpCT, body: mp(`attachment; name="imp_uid"`)}, "body_invalid"},
		{"multipart part without a name (Rack names it by filename)", rawRequest{target: "/signup", contentType: mpCT, body: mp(`form-data; filename="imp_uid"`)}, "body_invalid"},
		{"multipart LF-only delimiter (PHP splits there)", rawRequest{target: "/signup", contentType: mpCT, body: crlf(
			"--XyZ", `Content-Disposition: form-data; name="imp_uid"`, "", idAdult,
			"--XyZ", `Content-Disposition: form-data; name="nick"`, "", "kim\n--XyZ\nContent-Disposition: form-data; name=\"imp_uid\"\r\n\r\n"+idMinor,
			"--XyZ--", "")}, "body_invalid"},
		{"multipart epilogue with a part (PHP keeps reading)", rawRequest{target: "/signup", contentType: mpCT, body: append(multipartOf("XyZ", [2]string{`form-data; name="imp_uid"`, idAdult}),
			multipartOf("XyZ", [2]string{`form-data; name="imp_uid"`, idMinor})...)}, "body_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits, lookups := be.hits(), stats(t).Certifications
			resp, body := do(t, tester, tc.req.send(t))
			assertProblem(t, resp, body, http.StatusBadRequest, tc.code)
			if be.hits() != hits {
				t.Fatal("a request smuggling a second id reached the upstream")
			}
			if got := stats(t).Certifications; got != lookups {
				t.Fatalf("i'mport was asked %d times for a request refused before any lookup", got-lookups)
			}
		})
	}
}

// TestLegitimateClientsPassByteForByte replays the exact Content-Type and
// body of browsers and the usual HTTP clients: each verifies, and the
// upstream gets the body byte for byte with a correct Content-Length.
func TestLegitimateClientsPassByteForByte(t *testing.T) {
	be := newBackend(t)
	// single_use off: every client verifies the same identity.
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use off"}))
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01--WebKitFormBoundary\r\n"
	cases := []struct {
		name string
		req  rawRequest
	}{
		{"fetch / XHR JSON with charset", rawRequest{target: "/signup", contentType: "application/json;charset=UTF-8", body: []byte(`{"imp_uid":"` + idAdult + `","nick":"김철수","agree":true}`)}},
		{"axios JSON", rawRequest{target: "/signup", contentType: "application/json", body: []byte(`{"nick":"kim","imp_uid":"` + idAdult + `"}`)}},
		{"jQuery form post", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded; charset=UTF-8", body: []byte("imp_uid=" + idAdult + "&nick=%EA%B9%80")}},
		{"HTML form, urlencoded (Chromium, Firefox)", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: []byte("nick=%EA%B9%80%EC%B2%A0%EC%88%98&imp_uid=" + idAdult + "&agree=on&memo=a+b%26c")}},
		{"HTML form, multipart with a file (Chromium)", rawRequest{target: "/signup", contentType: "multipart/form-data; boundary=----WebKitFormBoundaryu7EoHTjA4xuB2Grc", body: crlf(
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc", `Content-Disposition: form-data; name="nick"`, "", "김철수",
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc", `Content-Disposition: form-data; name="imp_uid"`, "", idAdult,
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc", `Content-Disposition: form-data; name="avatar"; filename="me.png"`, "Content-Type: image/png", "", png,
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc--", "")}},
		{"HTML form, multipart (Firefox)", rawRequest{target: "/signup", contentType: "multipart/form-data; boundary=----geckoformboundary2d1f9e3c7a0b4d5e", body: crlf(
			"------geckoformboundary2d1f9e3c7a0b4d5e", `Content-Disposition: form-data; name="imp_uid"`, "", idAdult,
			"------geckoformboundary2d1f9e3c7a0b4d5e", `Content-Disposition: form-data; name="empty"; filename=""`, "Content-Type: application/octet-stream", "", "",
			"------geckoformboundary2d1f9e3c7a0b4d5e--", "")}},
		{"curl -d", rawRequest{target: "/signup", contentType: "application/x-www-form-urlencoded", body: []byte("imp_uid=" + idAdult)}},
		{"curl -F, chunked", rawRequest{target: "/signup", contentType: "multipart/form-data; boundary=------------------------d74496d66958873e", chunked: true, body: crlf(
			"--------------------------d74496d66958873e", `Content-Disposition: form-data; name="imp_uid"`, "", idAdult,
			"--------------------------d74496d66958873e", `Content-Disposition: form-data; name="doc"; filename="a.txt"`, "Content-Type: text/plain", "", "hello",
			"--------------------------d74496d66958873e--", "")}},
		{"Python requests json=", rawRequest{target: "/signup", contentType: "application/json", body: []byte(`{"imp_uid": "` + idAdult + `", "nick": "kim"}`)}},
		{"Python requests files=", rawRequest{target: "/signup", contentType: "multipart/form-data; boundary=8f3c2b1a9d7e4f6a0b5c1d2e3f4a5b6c", body: multipartOf("8f3c2b1a9d7e4f6a0b5c1d2e3f4a5b6c", [2]string{`form-data; name="imp_uid"`, idAdult})}},
		{"GET with the id in the query and no body", rawRequest{method: http.MethodGet, target: "/signup?imp_uid=" + idAdult}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits := be.hits()
			resp, body := do(t, tester, tc.req.send(t))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if be.hits() != hits+1 {
				t.Fatal("the upstream did not get the request")
			}
			got := be.last(t)
			if !bytes.Equal(got.Body, tc.req.body) {
				t.Fatalf("upstream body differs: got %q, want %q", got.Body, tc.req.body)
			}
			if got.Length != int64(len(tc.req.body)) || got.Chunked {
				t.Fatalf("upstream framing: Content-Length %d chunked %v, want %d", got.Length, got.Chunked, len(tc.req.body))
			}
			if got.Header.Get("Content-Type") != tc.req.contentType {
				t.Fatalf("upstream Content-Type %q, want %q", got.Header.Get("Content-Type"), tc.req.contentType)
			}
			if got.Header.Get("X-Verified-Ci-Hash") == "" {
				t.Fatal("verified request without the CI hash")
			}
			if len(tc.req.body) > 0 && got.Header.Get("Content-Length") != strconv.Itoa(len(tc.req.body)) {
				t.Fatalf("upstream Content-Length header %q", got.Header.Get("Content-Length"))
			}
		})
	}
}
