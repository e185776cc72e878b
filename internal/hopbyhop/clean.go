package hopbyhop

import (
	"net/http"
	"strings"

	"github.com/verigate/caddy-iamport/internal/identity"
)

// Guard applies the hop-by-hop rules to the identity headers of one
// identity.Filter.
type Guard struct {
	filter identity.Filter
}

// New returns a Guard for the headers f covers (the handler's own filter,
// so that the headers it strips and the ones these rules protect are the
// same set: the prefix and, with Filter.WithName, a signed-assertion header
// named outside it). A filter with an empty prefix makes a Guard whose
// Connection and trailer rules remove nothing; its Upgrade rules still
// apply.
func New(f identity.Filter) Guard { return Guard{filter: f} }

// Clean applies the rules for every request the gateway sees, exempt or
// not (see the package documentation):
//
//   - Connection loses every element under the prefix, and "HTTP2-Settings";
//     the other elements stay, joined into one line when one was removed;
//   - Upgrade loses every element naming a protocol that carries HTTP (h2c,
//     h2, h3, HTTP, TLS, SSL, in any case and with any version) and every
//     element that is not a protocol token; when none is left, Upgrade and
//     the "upgrade" element of Connection go;
//   - HTTP2-Settings goes;
//   - declared trailers under the prefix go now, and every trailer under
//     the prefix goes again when the body has been read to its end.
//
// Clean reads the canonical keys Go's servers and Caddy's proxy use. It
// does not allocate unless it changes something, and does nothing to a
// request without Connection, Upgrade, HTTP2-Settings or declared trailers.
func (g Guard) Clean(r *http.Request) {
	h := r.Header
	upgradeGone := false
	if v, ok := h["Upgrade"]; ok {
		upgradeGone = cleanUpgrade(h, v)
	}
	if _, ok := h["Http2-Settings"]; ok {
		delete(h, "Http2-Settings")
	}
	if v, ok := h["Connection"]; ok {
		g.cleanConnection(h, v, upgradeGone)
	}
	if r.Trailer != nil {
		g.guardTrailers(r)
	}
}

// cleanConnection removes the elements of Connection that Clean removes.
// "upgrade" goes only when dropUpgrade is set (the Upgrade header is gone).
func (g Guard) cleanConnection(h http.Header, vals []string, dropUpgrade bool) {
	// What browsers send: nothing to remove.
	if len(vals) == 1 && (vals[0] == "keep-alive" || vals[0] == "close") {
		return
	}
	drop := func(e string) bool {
		return g.filter.Matches(e) ||
			strings.EqualFold(e, "HTTP2-Settings") ||
			dropUpgrade && strings.EqualFold(e, "upgrade")
	}
	found := false
	for _, v := range vals {
		for rest := v; rest != "" && !found; {
			var e string
			e, rest = nextElement(rest)
			found = e != "" && drop(e)
		}
	}
	if !found {
		return
	}
	kept := joinKept(vals, func(e string) bool { return !drop(e) })
	if kept == "" {
		delete(h, "Connection")
		return
	}
	h["Connection"] = []string{kept}
}

// cleanUpgrade removes the elements of Upgrade that may not be relayed and
// reports whether the header is gone as a result.
func cleanUpgrade(h http.Header, vals []string) (gone bool) {
	found := false
	for _, v := range vals {
		for rest := v; rest != "" && !found; {
			var e string
			e, rest = nextElement(rest)
			found = e != "" && !Relayable(e)
		}
	}
	if !found {
		return false
	}
	kept := joinKept(vals, Relayable)
	if kept == "" {
		delete(h, "Upgrade")
		return true
	}
	h["Upgrade"] = []string{kept}
	return false
}

// tunnelledHTTP lists the upgrade protocol names whose tunnel carries HTTP
// requests the gateway would never parse: HTTP/2 in cleartext (h2c, and h2,
// h3 and bare HTTP/x that a lenient backend might take for it) and TLS
// (RFC 2817 carries HTTP/1.1 over TLS inside the upgraded connection).
var tunnelledHTTP = [...]string{"h2c", "h2", "h3", "http", "tls", "ssl"}

// Relayable reports whether the Upgrade element e (protocol-name
// ["/" protocol-version]) may be relayed on an exempt request: it must be
// well formed and must not name a protocol that carries HTTP.
// "websocket" is relayable; "h2c", "HTTP/2.0", "TLS/1.2", "h2c;x" and ""
// are not.
func Relayable(e string) bool {
	name, version, hasVersion := strings.Cut(e, "/")
	if !isToken(name) || hasVersion && !isToken(version) {
		return false
	}
	for _, p := range tunnelledHTTP {
		if strings.EqualFold(name, p) {
			return false
		}
	}
	return true
}
