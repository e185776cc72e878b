package hopbyhop

import (
	"io"
	"net/http"

	"github.com/verigate/caddy-iamport/internal/identity"
)

// guardTrailers deletes the declared trailers under the prefix and wraps
// the body so that they are deleted again, with any undeclared ones Go
// merged in, once the body has been read to its end: Go's servers fill
// r.Trailer in the Read that returns io.EOF, and Caddy's proxy copies it
// for the upstream right after that Read, in its own wrapper around ours.
func (g Guard) guardTrailers(r *http.Request) {
	g.filter.Strip(r.Trailer)
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	r.Body = &trailerGuard{ReadCloser: r.Body, trailer: r.Trailer, filter: g.filter}
}

// trailerGuard strips trailers under the prefix when the body ends.
type trailerGuard struct {
	io.ReadCloser
	trailer http.Header
	filter  identity.Filter
}

// Read reads from the body; when it returns io.EOF the trailers have
// arrived, and those under the prefix are deleted before Read returns.
func (t *trailerGuard) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if err == io.EOF {
		t.filter.Strip(t.trailer)
	}
	return n, err
}
