package caddymodule_test

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawUpstream is a hand-written HTTP/1.1 upstream on a raw TCP listener that
// records every byte it receives, request by request: the head as sent, the
// body framing (Content-Length, Transfer-Encoding: chunked, or none), the
// body on the wire and decoded, the trailers, and, once it has answered 101
// to an upgrade, every tunnelled byte. net/http would hide the framing and
// refuse some upgrades, so a test built on it could not fail.
//
// It answers 101 Switching Protocols to any request carrying Upgrade
// (echoing the Upgrade value, with Sec-WebSocket-Accept for a WebSocket
// key) and from then on echoes every tunnelled byte back; any other request
// gets 200 "ok" with a Content-Length, and the connection stays open for
// the next one.
type rawUpstream struct {
	ln      net.Listener
	mu      sync.Mutex
	reqs    []*upstreamRequest
	changed chan struct{} // closed and replaced whenever reqs change
}

// upstreamRequest is one request as the upstream received it.
type upstreamRequest struct {
	Head     string // request line and header lines as received, CRLFs included
	Method   string
	Target   string
	Fields   []rawField // header fields in the order received
	Framing  string     // "content-length", "chunked" or "none"
	RawBody  []byte     // the body bytes on the wire, chunk framing and trailers included
	Body     []byte     // the body, decoded
	Trailers []rawField
	Upgraded bool   // answered 101
	Tunnel   []byte // bytes received after the 101
}

// rawField is one header or trailer line.
type rawField struct{ Name, Value string }

func newRawUpstream(t *testing.T) *rawUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &rawUpstream{ln: ln, changed: make(chan struct{})}
	var wg sync.WaitGroup
	var conns sync.Map
	t.Cleanup(func() {
		ln.Close()
		conns.Range(func(c, _ any) bool { c.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Store(c, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				u.serve(c)
			}()
		}
	}()
	return u
}

// addr is the upstream's host:port for reverse_proxy.
func (u *rawUpstream) addr() string { return u.ln.Addr().String() }

// serve reads requests from c until it closes or a request is malformed.
func (u *rawUpstream) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		q, err := readUpstreamRequest(br)
		if err != nil {
			return
		}
		if up := q.header("Upgrade"); up != "" {
			q.Upgraded = true
			u.add(q)
			var b strings.Builder
			fmt.Fprintf(&b, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n", up)
			if key := q.header("Sec-WebSocket-Key"); key != "" {
				fmt.Fprintf(&b, "Sec-WebSocket-Accept: %s\r\n", websocketAccept(key))
			}
			b.WriteString("\r\n")
			if _, err := io.WriteString(c, b.String()); err != nil {
				return
			}
			buf := make([]byte, 4096)
			for {
				n, err := br.Read(buf)
				if n > 0 {
					u.mu.Lock()
					q.Tunnel = append(q.Tunnel, buf[:n]...)
					u.notifyLocked()
					u.mu.Unlock()
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}
		u.add(q)
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"); err != nil {
			return
		}
	}
}

func (u *rawUpstream) add(q *upstreamRequest) {
	u.mu.Lock()
	u.reqs = append(u.reqs, q)
	u.notifyLocked()
	u.mu.Unlock()
}

func (u *rawUpstream) notifyLocked() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// snapshot returns copies of the requests received so far.
func (u *rawUpstream) snapshot() []upstreamRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]upstreamRequest, len(u.reqs))
	for i, q := range u.reqs {
		out[i] = *q
		out[i].Tunnel = append([]byte(nil), q.Tunnel...)
	}
	return out
}

// count returns the number of requests received so far.
func (u *rawUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// waitFor waits until cond holds for the requests received, and returns
// them. The deadline only bounds a failing test.
func (u *rawUpstream) waitFor(t *testing.T, what string, cond func([]upstreamRequest) bool) []upstreamRequest {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		u.mu.Lock()
		ch := u.changed
		u.mu.Unlock()
		if reqs := u.snapshot(); cond(reqs) {
			return reqs
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("upstream: gave up waiting for %s; received %d requests: %+v", what, u.count(), u.snapshot())
		}
	}
}

// waitRequests waits for the n-th request and returns it.
func (u *rawUpstream) waitRequests(t *testing.T, n int) upstreamRequest {
	t.Helper()
	reqs := u.waitFor(t, fmt.Sprintf("request %d", n), func(r []upstreamRequest) bool { return len(r) >= n })
	return reqs[n-1]
}

// header returns the values of the header name (compared case-insensitively)
// joined with ", ", or "" when absent.
func (q *upstreamRequest) header(name string) string {
	return strings.Join(q.values(name), ", ")
}

// values returns every value of the header name, case-insensitively.
func (q *upstreamRequest) values(name string) []string {
	var out []string
	for _, f := range q.Fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// has reports whether the header name was sent at all.
func (q *upstreamRequest) has(name string) bool {
	for _, f := range q.Fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// fieldsUnder returns the fields of fs whose name, read loosely ('_' and
// '.' as '-', any case), starts with x-verified.
func fieldsUnder(fs []rawField) []rawField {
	var out []rawField
	for _, f := range fs {
		n := strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(f.Name))
		if strings.HasPrefix(n, "x-verified") {
			out = append(out, f)
		}
	}
	return out
}

// readUpstreamRequest reads one request, keeping its bytes.
func readUpstreamRequest(br *bufio.Reader) (*upstreamRequest, error) {
	q := &upstreamRequest{}
	var head strings.Builder
	line, err := readLine(br, &head)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("bad request line %q", line)
	}
	q.Method, q.Target = parts[0], parts[1]
	q.Fields, err = readFields(br, &head)
	if err != nil {
		return nil, err
	}
	q.Head = head.String()
	var raw strings.Builder
	switch {
	case strings.Contains(strings.ToLower(q.header("Transfer-Encoding")), "chunked"):
		q.Framing = "chunked"
		for {
			sizeLine, err := readLine(br, &raw)
			if err != nil {
				return nil, err
			}
			sizeHex, _, _ := strings.Cut(sizeLine, ";")
			size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 32)
			if err != nil {
				return nil, fmt.Errorf("bad chunk size %q", sizeLine)
			}
			if size == 0 {
				if q.Trailers, err = readFields(br, &raw); err != nil {
					return nil, err
				}
				break
			}
			chunk := make([]byte, size+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return nil, err
			}
			raw.Write(chunk)
			q.Body = append(q.Body, chunk[:size]...)
		}
	case q.has("Content-Length"):
		q.Framing = "content-length"
		n, err := strconv.Atoi(q.header("Content-Length"))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad Content-Length %q", q.header("Content-Length"))
		}
		q.Body = make([]byte, n)
		if _, err := io.ReadFull(br, q.Body); err != nil {
			return nil, err
		}
		raw.Write(q.Body)
	default:
		q.Framing = "none"
	}
	q.RawBody = []byte(raw.String())
	return q, nil
}

// readLine reads one CRLF-terminated line into raw and returns it without
// the line ending.
func readLine(br *bufio.Reader, raw *strings.Builder) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	raw.WriteString(line)
	return strings.TrimRight(line, "\r\n"), nil
}

// readFields reads header or trailer lines up to the empty line.
func readFields(br *bufio.Reader, raw *strings.Builder) ([]rawField, error) {
	var fs []rawField
	for {
		line, err := readLine(br, raw)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return fs, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("bad field line %q", line)
		}
		fs = append(fs, rawField{Name: name, Value: strings.TrimSpace(value)})
	}
}

// websocketAccept is the Sec-WebSocket-Accept answer to key (RFC 6455).
func websocketAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// rawClient is a client connection to the gateway that writes exact bytes.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

// dialGateway connects to the gateway's HTTP port. The connection's
// deadline only bounds a failing test.
func dialGateway(t *testing.T) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:9080")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, conn: conn, br: bufio.NewReader(conn)}
}

// send writes s as it is.
func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("writing to the gateway: %v", err)
	}
}

// answer reads one response head and body (a 1xx has none).
func (c *rawClient) answer() (status int, header map[string]string, body string) {
	c.t.Helper()
	var head strings.Builder
	line, err := readLine(c.br, &head)
	if err != nil {
		c.t.Fatalf("reading the gateway's answer: %v", err)
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) < 2 {
		c.t.Fatalf("bad status line %q", line)
	}
	status, _ = strconv.Atoi(parts[1])
	fs, err := readFields(c.br, &head)
	if err != nil {
		c.t.Fatalf("reading the gateway's answer: %v", err)
	}
	header = map[string]string{}
	for _, f := range fs {
		header[strings.ToLower(f.Name)] = f.Value
	}
	if status < 200 {
		return status, header, ""
	}
	if cl, ok := header["content-length"]; ok {
		n, _ := strconv.Atoi(cl)
		b := make([]byte, n)
		if _, err := io.ReadFull(c.br, b); err != nil {
			c.t.Fatalf("reading the answer's body: %v", err)
		}
		return status, header, string(b)
	}
	if strings.Contains(header["transfer-encoding"], "chunked") {
		var b strings.Builder
		for {
			var raw strings.Builder
			sizeLine, err := readLine(c.br, &raw)
			if err != nil {
				c.t.Fatalf("reading the answer's body: %v", err)
			}
			size, _ := strconv.ParseInt(strings.TrimSpace(sizeLine), 16, 32)
			if size == 0 {
				_, _ = readFields(c.br, &raw)
				return status, header, b.String()
			}
			chunk := make([]byte, size+2)
			if _, err := io.ReadFull(c.br, chunk); err != nil {
				c.t.Fatalf("reading the answer's body: %v", err)
			}
			b.Write(chunk[:size])
		}
	}
	return status, header, ""
}

// jsonUnmarshal decodes a string holding JSON.
func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
