package caddymodule_test

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2cOptions enables cleartext HTTP/2 (prior knowledge) next to HTTP/1.1.
const h2cOptions = "\tservers {\n\t\tprotocols h1 h2c\n\t}\n"

// h2Client speaks raw HTTP/2 frames to the gateway over cleartext TCP, so
// that a test can send what Go's own client refuses to send.
type h2Client struct {
	t    *testing.T
	conn net.Conn
	fr   *http2.Framer
	next uint32 // next client stream id
}

// dialH2C opens an HTTP/2 connection with prior knowledge and exchanges
// SETTINGS.
func dialH2C(t *testing.T) *h2Client {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:9080")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// A bound for a failing test only.
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return &h2Client{t: t, conn: conn, fr: fr, next: 1}
}

// block encodes header fields (names as given, so lower case) for a
// HEADERS frame.
func block(fields ...string) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return buf.Bytes()
}

// send opens a stream with the header fields, an optional body and
// optional trailer fields, and returns its id.
func (c *h2Client) send(fields []string, body string, trailers []string) uint32 {
	c.t.Helper()
	id := c.next
	c.next += 2
	endAfterHeaders := body == "" && trailers == nil
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block(fields...), EndStream: endAfterHeaders, EndHeaders: true}); err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		if err := c.fr.WriteData(id, trailers == nil, []byte(body)); err != nil {
			c.t.Fatal(err)
		}
	}
	if trailers != nil {
		if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block(trailers...), EndStream: true, EndHeaders: true}); err != nil {
			c.t.Fatal(err)
		}
	}
	return id
}

// status reads frames until the response to stream id ends and returns its
// :status ("" if the stream was reset) and body.
func (c *h2Client) status(id uint32) (string, string) {
	c.t.Helper()
	var status string
	var body bytes.Buffer
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.t.Fatalf("reading frames: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = c.fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = c.fr.WritePing(true, f.Data)
			}
		case *http2.GoAwayFrame:
			c.t.Fatalf("the gateway sent GOAWAY (%v)", f.ErrCode)
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				return "", f.ErrCode.String()
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == id {
				if s := f.PseudoValue("status"); s != "" {
					status = s
				}
				if f.StreamEnded() {
					return status, body.String()
				}
			}
		case *http2.DataFrame:
			if f.StreamID == id {
				body.Write(f.Data())
				if len(f.Data()) > 0 {
					_ = c.fr.WriteWindowUpdate(0, uint32(len(f.Data())))
				}
				if f.StreamEnded() {
					return status, body.String()
				}
			}
		}
	}
}

// request is the pseudo-header fields of a request to the gateway.
func request(method, host, path string, more ...string) []string {
	return append([]string{":method", method, ":scheme", "http", ":authority", host, ":path", path}, more...)
}

// TestHTTP2RejectsConnectionSpecificHeaders proves that the hop-by-hop
// header classes only concern HTTP/1.x: Go's HTTP/2 server answers 400
// itself, before any handler runs, to a request carrying Connection,
// Upgrade and the other connection-specific fields (RFC 9113 section
// 8.2.2). The HTTP/3 server (quic-go) rejects the same fields.
func TestHTTP2RejectsConnectionSpecificHeaders(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, buildConfig(t, h2cOptions, up.addr(), []site{{host: "localhost", options: verifySignup}}))
	c := dialH2C(t)
	cases := []struct {
		name   string
		fields []string
		want   string
	}{
		{"control: an ordinary request", nil, "200"},
		{"connection nominating an identity header", []string{"connection", "x-verified-ci-hash"}, "400"},
		{"connection: keep-alive", []string{"connection", "keep-alive"}, "400"},
		{"upgrade: h2c", []string{"upgrade", "h2c"}, "400"},
		{"upgrade: websocket", []string{"upgrade", "websocket"}, "400"},
		{"keep-alive", []string{"keep-alive", "timeout=5"}, "400"},
		{"proxy-connection", []string{"proxy-connection", "x-verified-di"}, "400"},
		{"transfer-encoding", []string{"transfer-encoding", "chunked"}, "400"},
		{"te other than trailers", []string{"te", "gzip"}, "400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := up.count()
			id := c.send(request("GET", "localhost:9080", "/page", tc.fields...), "", nil)
			status, body := c.status(id)
			if status != tc.want {
				t.Fatalf("status %q (%s), want %s", status, body, tc.want)
			}
			if tc.want == "200" {
				up.waitRequests(t, before+1)
			} else if up.count() != before {
				t.Fatal("a rejected request reached the upstream")
			}
		})
	}
}

// TestHTTP2TrailersUnderThePrefixNeverReachTheUpstream sends identity names
// as HTTP/2 trailers. The control site without the gateway shows that
// Caddy forwards declared ones to an HTTP/1.1 upstream.
func TestHTTP2TrailersUnderThePrefixNeverReachTheUpstream(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, buildConfig(t, h2cOptions, up.addr(), []site{{host: "localhost", options: verifySignup}}))
	key := keyFor(t)
	c := dialH2C(t)
	trailers := []string{"x-verified-ci-hash", "forged", "x-verified-di", "forged", "x-checksum", "1"}
	signup := `{"imp_uid":"` + idAdult + `"}`
	cases := []struct {
		name, host, path, contentType, body, declared string
		wantUnder                                     int
		wantChecksum, verified                        bool
	}{
		{"control: no gateway", "plain.localhost:9080", "/comment", "text/plain", "hello", "x-verified-ci-hash, x-checksum", 1, true, false},
		{"exempt", "localhost:9080", "/comment", "text/plain", "hello", "x-verified-ci-hash, x-checksum", 0, true, false},
		{"exempt, undeclared", "localhost:9080", "/comment", "text/plain", "hello", "", 0, false, false},
		{"verified signup", "localhost:9080", "/signup", "application/json", signup, "x-verified-ci-hash, x-checksum", 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := up.count()
			fields := request("POST", tc.host, tc.path, "content-type", tc.contentType)
			if tc.declared != "" {
				fields = append(fields, "trailer", tc.declared)
			}
			id := c.send(fields, tc.body, trailers)
			if status, body := c.status(id); status != "200" {
				t.Fatalf("status %q (%s)", status, body)
			}
			q := up.waitRequests(t, before+1)
			if string(q.Body) != tc.body {
				t.Fatalf("body %q", q.Body)
			}
			if under := fieldsUnder(q.Trailers); len(under) != tc.wantUnder {
				t.Errorf("trailers under the prefix at the upstream: %+v, want %d", under, tc.wantUnder)
			}
			checksum := false
			for _, f := range q.Trailers {
				checksum = checksum || strings.EqualFold(f.Name, "X-Checksum")
			}
			if checksum != tc.wantChecksum {
				t.Errorf("X-Checksum trailer at the upstream %v, want %v", checksum, tc.wantChecksum)
			}
			if tc.verified {
				if q.Framing != "content-length" || q.has("Trailer") || len(q.Trailers) != 0 {
					t.Errorf("verified request framed %s with Trailer %q and trailers %+v; want Content-Length and none", q.Framing, q.header("Trailer"), q.Trailers)
				}
				wantIdentity(t, key, q.Fields)
			}
		})
	}
}

// TestHTTP2ExtendedConnectOnAVerifyPathIsRefused sends the extended
// CONNECT of RFC 8441 (the form WebSocket takes over HTTP/2, with a
// :protocol pseudo-header and a path) to the verify path, carrying a valid
// id: whether Go's HTTP/2 server takes it as a request (and the handler
// answers 400 tunnel_refused) or resets the stream (Go 1.26's server does
// not announce SETTINGS_ENABLE_CONNECT_PROTOCOL, so it answers
// PROTOCOL_ERROR), no tunnel opens and nothing reaches the upstream. An
// ordinary GET on the same connection still passes.
func TestHTTP2ExtendedConnectOnAVerifyPathIsRefused(t *testing.T) {
	up := newRawUpstream(t)
	// Every method on /signup must verify, so that a CONNECT the server
	// let through would meet the handler's tunnel_refused.
	startCaddy(t, buildConfig(t, h2cOptions, up.addr(), []site{{host: "localhost", options: "verify {\n\t\t\tpath /signup\n\t\t}"}}))
	c := dialH2C(t)
	before := up.count()
	id := c.send(request("CONNECT", "localhost:9080", "/signup?imp_uid="+idAdult, ":protocol", "websocket"), "x", nil)
	status, body := c.status(id)
	switch {
	case status == "400" && strings.Contains(body, `"tunnel_refused"`):
		t.Logf("answered by the handler: %s %s", status, body)
	case status == "":
		t.Logf("reset by the HTTP/2 server: %s", body)
	default:
		t.Fatalf("extended CONNECT answered %q %s, want 400 tunnel_refused or a reset stream", status, body)
	}
	if up.count() != before {
		t.Fatal("an extended CONNECT reached the upstream")
	}
	id = c.send(request("GET", "localhost:9080", "/page"), "", nil)
	if status, body := c.status(id); status != "200" {
		t.Fatalf("a GET after it: %q %s", status, body)
	}
	up.waitRequests(t, before+1)
}
