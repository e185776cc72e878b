package hopbyhop

import "net/http"

// Seal applies the rules for a request that must verify, before the
// gateway reads it (see the package documentation): every header named in
// Connection is deleted as the proxy would delete it (http.Header.Del, so
// the same spellings), then Connection, Upgrade and HTTP2-Settings are
// deleted and the request's trailers are dropped. The gateway then judges,
// and the upstream gets, the same header set; no upgrade is relayed; and a
// body read in full by the gateway is forwarded with its Content-Length and
// without trailers, whatever the client declared.
//
// Seal returns the BodyWatch it put around the body (nil when r has none),
// for CloseAfterRefusal. The watch also keeps r.Trailer nil once the body
// has ended: when r is the very request Go's HTTP/1 reader filled (not a
// copy, as Caddy's handlers get), that reader sets r.Trailer to every
// received trailer in the Read that returns io.EOF.
func Seal(r *http.Request) *BodyWatch {
	h := r.Header
	for _, v := range h["Connection"] {
		for rest := v; rest != ""; {
			var e string
			e, rest = nextElement(rest)
			if e != "" {
				h.Del(e)
			}
		}
	}
	delete(h, "Connection")
	delete(h, "Upgrade")
	delete(h, "Http2-Settings")
	r.Trailer = nil
	if !hasBody(r) {
		return nil
	}
	w := &BodyWatch{ReadCloser: r.Body, r: r}
	r.Body = w
	return w
}

// OpensTunnel reports whether r asks for a tunnel that cannot be ignored
// the way an Upgrade header can: any CONNECT, including the extended
// CONNECT (RFC 8441, RFC 9220) by which HTTP/2 and HTTP/3 clients open
// WebSockets and which Caddy's proxy turns into an HTTP/1.1 upgrade. A
// request that must verify and opens a tunnel is refused.
func OpensTunnel(r *http.Request) bool { return r.Method == http.MethodConnect }
