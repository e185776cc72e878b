package caddymodule_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// verifySignup is the `verify` block of the hop-by-hop tests: only
// POST /signup must verify.
const verifySignup = `verify {
			method POST
			path /signup
		}`

// chunkedBody frames parts as chunks followed by the last chunk; the
// trailer section and the final CRLF are the caller's.
func chunkedBody(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(p), p)
	}
	b.WriteString("0\r\n")
	return b.String()
}

// wantIdentity checks that fs holds exactly the three identity headers of
// the adult, with the values the sandbox of API key key gives.
func wantIdentity(t *testing.T, key string, fs []rawField) {
	t.Helper()
	rec := sandboxRecord(t, key, idAdult)
	want := map[string]string{
		"x-verified-ci-hash":    hmacHex(testCIKey, rec["unique_key"].(string)),
		"x-verified-di":         rec["unique_in_site"].(string),
		"x-verified-birth-year": rec["birthday"].(string)[:4],
	}
	got := fieldsUnder(fs)
	if len(got) != len(want) {
		t.Fatalf("identity headers at the upstream = %+v, want exactly %v", got, want)
	}
	for _, f := range got {
		if want[strings.ToLower(f.Name)] != f.Value {
			t.Fatalf("identity header %s = %q, want %q", f.Name, f.Value, want[strings.ToLower(f.Name)])
		}
	}
}

// TestConnectionCannotNominateIdentityHeaders sends the identity header
// names in Connection, which makes a proxy delete them after the handler
// set them: a verified request must still reach the upstream with exactly
// the headers it earned, and the rest of the Connection header must keep
// working.
func TestConnectionCannotNominateIdentityHeaders(t *testing.T) {
	up := newRawUpstream(t)
	// role.localhost adds a header of its own under the prefix after the
	// gateway ran, as an operator might: exempt requests carry it too.
	startCaddy(t, configWithAllowlists(t, up.addr(),
		site{host: "localhost", options: verifySignup + "\n\t\tsingle_use off"},
		site{host: "role.localhost", options: verifySignup, after: "request_header X-Verified-Role staff\n\treverse_proxy " + up.addr()}))
	key := keyFor(t)
	body := `{"imp_uid":"` + idAdult + `"}`
	nominate := "keep-alive, X-Verified-CI-Hash, X-Verified-DI,x-verified-birth-year, X_Verified_DI, X-Custom"

	// Connection is the field that nominates; the others Caddy's proxy
	// drops by name, and a test makes sure none of them nominates either.
	for _, field := range []string{"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Trailer", "Upgrade"} {
		t.Run("verified signup, "+field, func(t *testing.T) {
			before := up.count()
			c := dialGateway(t)
			c.send("POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
				"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" + field + ": " + nominate + "\r\nX-Custom: 1\r\n\r\n" + body)
			if status, _, got := c.answer(); status != 200 {
				t.Fatalf("status %d: %s", status, got)
			}
			q := up.waitRequests(t, before+1)
			wantIdentity(t, key, q.Fields)
			if field == "Connection" && q.has("X-Custom") {
				t.Error("a header the client nominated in Connection reached the upstream")
			}
		})
	}
	t.Run("exempt request", func(t *testing.T) {
		before := up.count()
		c := dialGateway(t)
		c.send("GET /page HTTP/1.1\r\nHost: role.localhost\r\nConnection: " + nominate + ", X-Verified-Role\r\nX-Custom: 1\r\nX-Kept: 2\r\n\r\n")
		if status, _, got := c.answer(); status != 200 {
			t.Fatalf("status %d: %s", status, got)
		}
		q := up.waitRequests(t, before+1)
		if ids := fieldsUnder(q.Fields); len(ids) != 1 || ids[0].Value != "staff" {
			t.Errorf("headers under the prefix on an exempt request: %+v, want only the site's X-Verified-Role", ids)
		}
		// The elements not under the prefix still work: the proxy deleted
		// the header they nominate.
		if q.has("X-Custom") || q.header("X-Kept") != "2" {
			t.Errorf("X-Custom present %v, X-Kept %q: want the nomination applied and X-Kept kept", q.has("X-Custom"), q.header("X-Kept"))
		}
	})
}

// TestVerifyPathAppliesNominationsBeforeJudging nominates Content-Type on a
// signup whose JSON body holds a minor's id: the proxy would forward the
// body without its Content-Type, so the gateway must judge it that way too
// and not read it as JSON (which would answer 403 underage).
func TestVerifyPathAppliesNominationsBeforeJudging(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: verifySignup + "\n\t\tmin_age 19"}))
	body := `{"imp_uid":"` + idMinor + `"}`
	c := dialGateway(t)
	c.send("POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: Content-Type\r\n\r\n" + body)
	status, _, got := c.answer()
	var doc problemDoc
	_ = jsonUnmarshal(got, &doc)
	// A non-empty body without a Content-Type is refused unread.
	if status != 400 || doc.Code != "body_invalid" {
		t.Fatalf("answer %d %s, want 400 body_invalid", status, got)
	}
	if up.count() != 0 {
		t.Fatal("the request reached the upstream")
	}
}
