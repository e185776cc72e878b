package apiclient

import (
	"net"
	"net/http"
	"time"
)

// DefaultIdleConns is the keep-alive connections NewHTTPClient keeps to
// the API unless told otherwise.
const DefaultIdleConns = 32

// IdleConnsFor is the keep-alive connections to keep for a client that
// may have inFlight calls at once: one per call when that is more than
// DefaultIdleConns, so that a busy gateway reuses connections instead of
// opening (and TLS-handshaking) new ones after every burst.
func IdleConnsFor(inFlight int) int {
	return max(inFlight, DefaultIdleConns)
}

// NewHTTPClient returns a client with its own Transport, so that the
// plugin's settings never leak into or out of http.DefaultTransport: 5 s
// dial and TLS handshake timeouts, a 90 s idle timeout, idle keep-alive
// connections to the host, no overall Timeout (each caller's context
// bounds its requests) and no redirect following. Neither API redirects
// its calls; a redirect is treated as an invalid answer rather than
// followed, which would carry the credentials to wherever it points.
func NewHTTPClient(idle int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   5 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          idle,
			MaxIdleConnsPerHost:   idle,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
