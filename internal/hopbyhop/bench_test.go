package hopbyhop

import (
	"net/http"
	"testing"

	"github.com/verigate/caddy-iamport/internal/identity"
)

// BenchmarkClean measures Clean on the requests an exempt path sees most:
// a browser's HTTP/1.1 request (Connection: keep-alive) and an HTTP/2
// request (no Connection at all). The target is no allocation.
func BenchmarkClean(b *testing.B) {
	g := New(identity.NewFilter(prefix))
	for _, tc := range []struct {
		name string
		h    http.Header
	}{
		{"http1_keep_alive", browserHeaders()},
		{"http2", func() http.Header { h := browserHeaders(); delete(h, "Connection"); return h }()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := &http.Request{Header: tc.h}
			b.ReportAllocs()
			for b.Loop() {
				g.Clean(r)
			}
		})
	}
}
