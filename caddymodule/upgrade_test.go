package caddymodule_test

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// smuggled is what a client sends after asking for an upgrade: if the
// upgrade was relayed, these bytes travel inside the tunnel, unparsed,
// forged identity header included (h2c smuggling); if not, the gateway
// parses them as the next request.
const smuggled = "GET /after HTTP/1.1\r\nHost: localhost\r\nX-Verified-CI-Hash: forged\r\n\r\n"

// TestUpgradesThatCarryHTTPAreNeverRelayed asks for upgrades through the
// gateway to a recording upstream that accepts any upgrade. The control
// site without the gateway shows the smuggling: the upstream answers 101
// and receives the forged request unparsed.
func TestUpgradesThatCarryHTTPAreNeverRelayed(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: verifySignup + "\n\t\tsingle_use off"}))
	signup := `{"imp_uid":"` + idAdult + `"}`

	cases := []struct {
		name, host, method, path, body string
		upgrade                        string
		relayed                        string // the Upgrade the upstream gets; "" none
	}{
		{"control: no gateway, h2c", "plain.localhost", "GET", "/page", "", "h2c", "h2c"},
		{"exempt, h2c", "localhost", "GET", "/page", "", "h2c", ""},
		{"exempt, H2C", "localhost", "GET", "/page", "", "H2C", ""},
		{"exempt, HTTP/2.0", "localhost", "GET", "/page", "", "HTTP/2.0", ""},
		{"exempt, TLS then HTTP/1.1", "localhost", "GET", "/page", "", "TLS/1.2, HTTP/1.1", ""},
		{"exempt, malformed h2c", "localhost", "GET", "/page", "", "h2c;v=1", ""},
		{"exempt, h2c after websocket", "localhost", "GET", "/page", "", "websocket, h2c", "websocket"},
		{"signup, h2c", "localhost", "POST", "/signup", signup, "h2c", ""},
		{"signup, websocket", "localhost", "POST", "/signup", signup, "websocket", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := up.count()
			c := dialGateway(t)
			head := tc.method + " " + tc.path + " HTTP/1.1\r\nHost: " + tc.host + "\r\n" +
				"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: " + tc.upgrade + "\r\n" +
				"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
			if tc.body != "" {
				head += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(tc.body)) + "\r\n"
			}
			c.send(head + "\r\n" + tc.body)
			status, _, got := c.answer()
			if want := map[bool]int{true: 101, false: 200}[tc.relayed != ""]; status != want {
				t.Fatalf("status %d (%s), want %d", status, got, want)
			}
			q := up.waitRequests(t, before+1)
			if q.header("Upgrade") != tc.relayed {
				t.Fatalf("the upstream got Upgrade %q, want %q", q.header("Upgrade"), tc.relayed)
			}
			if q.has("HTTP2-Settings") && tc.relayed != "h2c" {
				t.Errorf("HTTP2-Settings reached the upstream: %q", q.header("HTTP2-Settings"))
			}
			c.send(smuggled)
			if tc.relayed != "" {
				// Through the tunnel, unparsed: the forged header arrives.
				up.waitFor(t, "the tunnelled bytes", func(r []upstreamRequest) bool {
					return bytes.Equal(r[before].Tunnel, []byte(smuggled))
				})
				return
			}
			// Parsed by the gateway as the next request: the forged header
			// is stripped, and nothing travels in a tunnel.
			if status, _, got := c.answer(); status != 200 {
				t.Fatalf("the request after the upgrade attempt: status %d (%s)", status, got)
			}
			next := up.waitRequests(t, before+2)
			if next.Target != "/after" || next.Upgraded || len(fieldsUnder(next.Fields)) != 0 {
				t.Fatalf("the request after the upgrade attempt reached the upstream as %s %s with %+v", next.Method, next.Target, fieldsUnder(next.Fields))
			}
			for _, r := range up.snapshot()[before:] {
				if r.Upgraded {
					t.Fatalf("the upstream switched protocols for %s %s", r.Method, r.Target)
				}
			}
		})
	}
}

// TestWebSocketOnExemptPathsWorksEndToEnd opens a WebSocket through the
// gateway and exchanges a frame with the upstream.
func TestWebSocketOnExemptPathsWorksEndToEnd(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: verifySignup}))
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	c := dialGateway(t)
	c.send("GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nX-Verified-DI: forged\r\n\r\n")
	status, header, _ := c.answer()
	if status != 101 || header["sec-websocket-accept"] != websocketAccept(key) {
		t.Fatalf("status %d, Sec-WebSocket-Accept %q: want 101 and %q", status, header["sec-websocket-accept"], websocketAccept(key))
	}
	q := up.waitRequests(t, 1)
	if q.header("Upgrade") != "websocket" || len(fieldsUnder(q.Fields)) != 0 {
		t.Fatalf("the upstream got Upgrade %q and %+v", q.header("Upgrade"), fieldsUnder(q.Fields))
	}
	// A masked text frame "hello" (RFC 6455 section 5.7).
	mask := []byte{0x37, 0xfa, 0x21, 0x3d}
	frame := append([]byte{0x81, 0x80 | 5}, mask...)
	for i, b := range []byte("hello") {
		frame = append(frame, b^mask[i%4])
	}
	c.send(string(frame))
	up.waitFor(t, "the frame", func(r []upstreamRequest) bool { return bytes.Equal(r[0].Tunnel, frame) })
	echo := make([]byte, len(frame))
	if _, err := io.ReadFull(c.br, echo); err != nil || !bytes.Equal(echo, frame) {
		t.Fatalf("echo %x, %v; want %x", echo, err, frame)
	}
}

// TestConnectOnAVerifyPathIsRefused sends an HTTP/1.1 CONNECT (the form
// Caddy's proxy would relay as a tunnel) to the signup path with a valid id.
func TestConnectOnAVerifyPathIsRefused(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}"}))
	c := dialGateway(t)
	c.send("CONNECT /signup?imp_uid=" + idAdult + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	status, _, got := c.answer()
	var doc problemDoc
	if err := jsonUnmarshal(got, &doc); err != nil || status != 400 || doc.Code != "tunnel_refused" {
		t.Fatalf("answer %d %s, want 400 tunnel_refused", status, got)
	}
	if up.count() != 0 {
		t.Fatal("a CONNECT reached the upstream")
	}
}
