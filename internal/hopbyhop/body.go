package hopbyhop

import (
	"io"
	"net/http"
)

// BodyWatch records whether a request body was read to its end; Seal puts
// it around the body of a request that must verify.
type BodyWatch struct {
	io.ReadCloser
	r    *http.Request // its Trailer is kept nil
	done bool
}

// Read reads from the body, notes its end and drops the trailers then.
func (b *BodyWatch) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done = true
		b.r.Trailer = nil
	}
	return n, err
}

// CloseAfterRefusal sets Connection: close on h, the header of the answer
// to r, when r is an HTTP/1.x request whose body was not read to its end.
// watch is the BodyWatch Seal returned, or nil when Seal has not run (or
// found no body): then any body counts as unread.
//
// Without it, Go's HTTP/1 server first tries to read what is left of the
// body (up to 256 KiB) so that it can reuse the connection, and sends the
// answer only then. A client that sent Expect: 100-continue sends no body
// until it gets 100 Continue or gives up waiting, so it would get the
// refusal only after its own timeout or the server's read timeout. With
// Connection: close the server sends the answer at once and closes the
// connection. HTTP/2 resets the stream instead and needs nothing (a
// Connection: close there would shut down the whole connection).
func CloseAfterRefusal(h http.Header, r *http.Request, watch *BodyWatch) {
	if r.ProtoMajor >= 2 || !hasBody(r) {
		return
	}
	if watch != nil && watch.done {
		return
	}
	h.Set("Connection", "close")
}

// hasBody reports whether r may carry body bytes.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}
