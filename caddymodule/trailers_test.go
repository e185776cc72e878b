package caddymodule_test

import (
	"strconv"
	"strings"
	"testing"
)

// forgedTrailers are trailer lines under the prefix in several spellings,
// plus one that is not.
const forgedTrailers = "X-Verified-CI-Hash: forged\r\nx_verified_di: forged\r\nX.Verified.Birth-Year: 1970\r\nX-Checksum: 1\r\n\r\n"

// TestTrailersUnderThePrefixNeverReachTheUpstream sends identity names as
// HTTP/1.1 trailers, declared (Trailer header) and not. The control site
// without the gateway shows that Caddy forwards declared trailers, and that
// the recording upstream sees them.
func TestTrailersUnderThePrefixNeverReachTheUpstream(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, configWithAllowlists(t, up.addr(), site{host: "localhost", options: verifySignup}))
	body := chunkedBody("hello", " world")

	cases := []struct {
		name, host, declared string
		wantUnder            int  // trailers under the prefix at the upstream
		wantChecksum         bool // X-Checksum at the upstream
	}{
		// Go merges every trailer received, declared or not, once one was
		// declared: all three forged ones arrive.
		{"control: no gateway, declared", "plain.localhost", "X-Verified-CI-Hash, X-Checksum", 3, true},
		{"declared", "localhost", "X-Verified-CI-Hash, X-Checksum, x_verified_di", 0, true},
		{"only other names declared", "localhost", "X-Checksum", 0, true},
		// Caddy hands its handlers a copy of the request whose Trailer
		// stays nil when nothing was declared: every trailer is dropped.
		{"undeclared, Caddy drops them", "localhost", "", 0, false},
		{"control: undeclared, no gateway", "plain.localhost", "", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := up.count()
			declared := ""
			if tc.declared != "" {
				declared = "Trailer: " + tc.declared + "\r\n"
			}
			c := dialGateway(t)
			c.send("POST /comment HTTP/1.1\r\nHost: " + tc.host + "\r\nContent-Type: text/plain\r\n" +
				"Transfer-Encoding: chunked\r\n" + declared + "\r\n" + body + forgedTrailers)
			if status, _, got := c.answer(); status != 200 {
				t.Fatalf("status %d: %s", status, got)
			}
			q := up.waitRequests(t, before+1)
			if string(q.Body) != "hello world" {
				t.Fatalf("body %q", q.Body)
			}
			under := fieldsUnder(q.Trailers)
			if len(under) != tc.wantUnder {
				t.Errorf("trailers under the prefix at the upstream: %+v, want %d", under, tc.wantUnder)
			}
			if tc.wantUnder == 0 && strings.Contains(strings.ToLower(q.header("Trailer")), "verified") {
				t.Errorf("the upstream was told to expect %q", q.header("Trailer"))
			}
			checksum := false
			for _, f := range q.Trailers {
				checksum = checksum || f.Name == "X-Checksum" && f.Value == "1"
			}
			if checksum != tc.wantChecksum {
				t.Errorf("X-Checksum trailer at the upstream %v, want %v (trailers %+v)", checksum, tc.wantChecksum, q.Trailers)
			}
		})
	}
}

// TestVerifiedRequestReachesTheUpstreamWithContentLengthAndNoTrailers sends a
// signup chunked, with declared trailers: the upstream gets the buffered
// body with its length, no Transfer-Encoding and no trailer at all.
func TestVerifiedRequestReachesTheUpstreamWithContentLengthAndNoTrailers(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, configWithAllowlists(t, up.addr(), site{host: "localhost", options: verifySignup}))
	json := `{"imp_uid":"` + idAdult + `","nick":"kim"}`
	c := dialGateway(t)
	c.send("POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
		"Transfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Verified-CI-Hash\r\nTE: trailers\r\n\r\n" +
		chunkedBody(json[:10], json[10:]) + forgedTrailers)
	if status, _, got := c.answer(); status != 200 {
		t.Fatalf("status %d: %s", status, got)
	}
	q := up.waitRequests(t, 1)
	if q.Framing != "content-length" || q.header("Content-Length") != strconv.Itoa(len(json)) || string(q.RawBody) != json {
		t.Fatalf("upstream framing %s, Content-Length %q, body on the wire %q; want content-length %d and %q",
			q.Framing, q.header("Content-Length"), q.RawBody, len(json), json)
	}
	if q.has("Transfer-Encoding") || q.has("Trailer") || len(q.Trailers) != 0 {
		t.Fatalf("Transfer-Encoding %q, Trailer %q, trailers %+v: want none", q.header("Transfer-Encoding"), q.header("Trailer"), q.Trailers)
	}
	wantIdentity(t, keyFor(t), q.Fields)
}
