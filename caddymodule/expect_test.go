package caddymodule_test

import (
	"testing"
)

// TestRefusalsWithAnUnreadBodyReachAnExpectContinueClientAtOnce sends only
// the head of a request with Expect: 100-continue, as curl and many HTTP
// libraries do for larger bodies, and waits for the answer. A refusal that
// leaves the body unread must arrive at once, not after the client gives
// up waiting for 100 Continue or the server's read timeout (one minute by
// default): it closes the connection instead of draining a body that never
// comes. The client's deadline only bounds a failing test.
func TestRefusalsWithAnUnreadBodyReachAnExpectContinueClientAtOnce(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(),
		site{host: "localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}"},
		site{host: "errors.localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}\n\t\trefusals handle_errors"}))
	cases := []struct {
		name, host, head string
		status           int
		code             string // "" for Caddy's own error answer
	}{
		{"declared length over max_body", "localhost",
			"POST /signup HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n", 413, "body_too_large"},
		{"invalid id in the query", "localhost",
			"POST /signup?imp_uid=imp_x HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 30\r\n", 400, "imp_uid_invalid"},
		{"two Content-Types", "localhost",
			"POST /signup HTTP/1.1\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n", 400, "body_invalid"},
		{"CONNECT", "localhost",
			"CONNECT /signup HTTP/1.1\r\nContent-Length: 30\r\n", 400, "tunnel_refused"},
		{"chunked, invalid id in the query", "localhost",
			"POST /signup?imp_uid=imp_x HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n", 400, "imp_uid_invalid"},
		{"refusals handle_errors", "errors.localhost",
			"POST /signup HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n", 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialGateway(t)
			c.send(tc.head + "Host: " + tc.host + "\r\nExpect: 100-continue\r\n\r\n")
			status, header, body := c.answer()
			if status != tc.status {
				t.Fatalf("first answer %d (%s), want %d", status, body, tc.status)
			}
			if tc.code != "" {
				var doc problemDoc
				if err := jsonUnmarshal(body, &doc); err != nil || doc.Code != tc.code {
					t.Fatalf("answer %s, want code %s", body, tc.code)
				}
			}
			if header["connection"] != "close" {
				t.Errorf("Connection = %q, want close: the body was never sent", header["connection"])
			}
		})
	}
	if up.count() != 0 {
		t.Fatal("a refused request reached the upstream")
	}
}

// TestRefusalAfterTheBodyWasReadKeepsTheConnection checks the other side:
// when the handler read the whole body (sending 100 Continue first), a
// refusal keeps the connection open for the next request.
func TestRefusalAfterTheBodyWasReadKeepsTheConnection(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}\n\t\tmin_age 19"}))
	body := `{"imp_uid":"` + idMinor + `"}`
	c := dialGateway(t)
	c.send("POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 30\r\nExpect: 100-continue\r\n\r\n")
	if status, _, _ := c.answer(); status != 100 {
		t.Fatalf("first answer %d, want 100 Continue", status)
	}
	if len(body) != 30 {
		t.Fatalf("test body is %d bytes", len(body))
	}
	c.send(body)
	status, header, got := c.answer()
	if status != 403 || header["connection"] == "close" {
		t.Fatalf("answer %d with Connection %q (%s), want 403 on a kept connection", status, header["connection"], got)
	}
	c.send("GET /page HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if status, _, got := c.answer(); status != 200 {
		t.Fatalf("next request on the same connection: %d %s", status, got)
	}
}
