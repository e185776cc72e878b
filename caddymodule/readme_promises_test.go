package caddymodule_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// The tests in this file prove promises of the README that no other test
// proved word for word.

// README "Logs": id_hash is the first 12 hex digits of SHA-256 of the id,
// on verified and refused lines alike.
func TestLogLineIDHashIsTheFirst12HexDigitsOfSHA256OfTheID(t *testing.T) {
	logs := newLogCapture(t)
	be := newBackend(t)
	tester := startCaddy(t, buildConfig(t, logs.global(), be.addr(), []site{{host: "localhost", options: "min_age 19"}}))

	for _, tc := range []struct {
		id, code string
		status   int
	}{
		{idAdult, "verified", http.StatusOK},
		{idMinor, "underage", http.StatusForbidden},
	} {
		off := logs.offset(t)
		resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+tc.id+`"}`)
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: status %d %s, want %d", tc.id, resp.StatusCode, body, tc.status)
		}
		end := logs.waitFor(t, off, "with code "+tc.code, hasVerdict(tc.code))
		sum := sha256.Sum256([]byte(tc.id))
		want := hex.EncodeToString(sum[:])[:12]
		var found bool
		for _, l := range handlerLines(logs.lines(t, off, end)) {
			if l.str("code") != tc.code {
				continue
			}
			found = true
			if got := l.str("id_hash"); got != want {
				t.Errorf("%s: id_hash %q, want %q (first 12 hex digits of SHA-256): %s", tc.code, got, want, l.text)
			}
			if strings.Contains(l.text, tc.id) {
				t.Errorf("%s: the line carries the raw id: %s", tc.code, l.text)
			}
		}
		if !found {
			t.Fatalf("no handler line with code %s", tc.code)
		}
	}
}

// README "Placeholders": on a refused request only code and source are
// set; imp_uid, ci_hash, di and birth_year are set only on verified ones.
func TestARefusalSetsOnlyTheCodeAndSourcePlaceholders(t *testing.T) {
	be := newBackend(t)
	const echo = "{http.iamport.code}|{http.iamport.source}|{http.iamport.imp_uid}|{http.iamport.ci_hash}|{http.iamport.di}|{http.iamport.birth_year}"
	tester := startCaddy(t, config(t, be.addr(), site{
		host:    "localhost",
		options: "min_age 19\n\t\trefusals handle_errors",
		after:   "reverse_proxy " + be.addr() + "\n\thandle_errors {\n\t\trespond \"" + echo + "\" 200\n\t}",
	}))

	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idMinor+`"}`)
	want := "underage|iamport|{http.iamport.imp_uid}|{http.iamport.ci_hash}|{http.iamport.di}|{http.iamport.birth_year}"
	if resp.StatusCode != http.StatusOK || string(body) != want {
		t.Fatalf("refused request: got %d %q, want %q", resp.StatusCode, body, want)
	}
	if be.hits() != 0 {
		t.Fatalf("the refused request reached the upstream (%d hits)", be.hits())
	}
}

// README "Security model": the browser's success flag is ignored; only the
// server-side lookup counts, whichever way the flag points.
func TestTheBrowsersSuccessFlagIsIgnored(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "min_age 19\n\t\tsingle_use off"}))
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"success true does not pass a minor", `{"imp_uid":"` + idMinor + `","success":true}`, http.StatusForbidden, "underage"},
		{"success true does not pass an unknown id", `{"imp_uid":"imp_999999999999","success":true}`, http.StatusForbidden, "verification_not_found"},
		{"success false does not refuse an adult", `{"imp_uid":"` + idAdult + `","success":false}`, http.StatusOK, ""},
		{"success as a string does not refuse an adult", `{"imp_uid":"` + idAdult + `","success":"false","error_msg":"cancelled"}`, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits := be.hits()
			resp, body := postJSON(t, tester, "localhost", "/signup", tc.body)
			if tc.code != "" {
				assertProblem(t, resp, body, tc.status, tc.code)
				if be.hits() != hits {
					t.Fatalf("the refused request reached the upstream")
				}
				return
			}
			if resp.StatusCode != tc.status || be.hits() != hits+1 {
				t.Fatalf("status %d %s (upstream hits %d→%d), want %d and one upstream hit", resp.StatusCode, body, hits, be.hits(), tc.status)
			}
		})
	}
}

// README "Placeholders": {http.iamport.di} is empty (set, not left
// unknown) on a verified request whose verification carries no DI.
func TestTheDIPlaceholderIsEmptyWhenTheVerificationHasNoDI(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{
		host:  "localhost",
		after: `respond "{http.iamport.code}|{http.iamport.di}|{http.iamport.source}"`,
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idNoDI+`"}`)
	if want := "verified||iamport"; resp.StatusCode != http.StatusOK || string(body) != want {
		t.Fatalf("got %d %q, want %q", resp.StatusCode, body, want)
	}
}

// README "Refusals": a 503 verification_unavailable carries Retry-After: 5,
// also when the refusal goes to the site's handle_errors routes.
func TestA503RefusalCarriesRetryAfterUnderHandleErrors(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{
		host:    "localhost",
		options: "refusals handle_errors",
		after:   "reverse_proxy " + be.addr() + "\n\thandle_errors {\n\t\trespond \"{http.iamport.code}\" {http.error.status_code}\n\t}",
	}))
	setFault(t, "status_503", "certification", 2)
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "verification_unavailable" {
		t.Fatalf("got %d %q, want 503 verification_unavailable from handle_errors", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Retry-After"); got != "5" {
		t.Fatalf("Retry-After %q, want 5", got)
	}
	if be.hits() != 0 {
		t.Fatalf("the refused request reached the upstream (%d hits)", be.hits())
	}
}
