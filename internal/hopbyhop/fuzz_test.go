package hopbyhop

import (
	"net/http"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/identity"
)

// FuzzClean checks Clean's promises on any Connection and Upgrade values:
// no Connection element under the prefix or naming HTTP2-Settings
// survives, every other element survives in order, no Upgrade element
// that Relayable refuses survives, HTTP2-Settings is gone, and "upgrade"
// leaves Connection only with the Upgrade header.
func FuzzClean(f *testing.F) {
	f.Add("keep-alive, X-Verified-CI-Hash", "websocket")
	f.Add("Upgrade, HTTP2-Settings", "h2c")
	f.Add("x_verified.di,,close", "websocket, h2c, TLS/1.0")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, conn, upgrade string) {
		flt := identity.NewFilter(prefix)
		r := &http.Request{Header: http.Header{
			"Connection":     {conn},
			"Upgrade":        {upgrade},
			"Http2-Settings": {"x"},
		}}
		New(identity.NewFilter(prefix)).Clean(r)
		if _, ok := r.Header["Http2-Settings"]; ok {
			t.Fatal("HTTP2-Settings survived")
		}
		var upgradeKept []string
		for _, v := range r.Header["Upgrade"] {
			for _, e := range elements(v) {
				if !Relayable(e) {
					t.Fatalf("Upgrade %q kept %q", upgrade, e)
				}
				upgradeKept = append(upgradeKept, e)
			}
		}
		want := relayableOf(upgrade)
		if _, ok := r.Header["Upgrade"]; !ok && len(want) > 0 || strings.Join(upgradeKept, ",") != strings.Join(want, ",") {
			t.Fatalf("Upgrade %q became %q, want %q", upgrade, upgradeKept, want)
		}
		if _, ok := r.Header["Upgrade"]; ok && len(want) == 0 && len(elements(upgrade)) > 0 {
			t.Fatalf("Upgrade %q kept with nothing relayable in it", upgrade)
		}
		var kept []string
		for _, v := range r.Header["Connection"] {
			kept = append(kept, elements(v)...)
		}
		want = nil
		_, upgradeStays := r.Header["Upgrade"]
		for _, e := range elements(conn) {
			if flt.Matches(e) || strings.EqualFold(e, "HTTP2-Settings") || !upgradeStays && strings.EqualFold(e, "upgrade") {
				continue
			}
			want = append(want, e)
		}
		changed := len(want) != len(elements(conn))
		if changed && strings.Join(kept, ",") != strings.Join(want, ",") {
			t.Fatalf("Connection %q became %q, want %q", conn, kept, want)
		}
		if !changed && r.Header.Get("Connection") != conn {
			t.Fatalf("Connection %q changed to %q though nothing had to go", conn, r.Header.Get("Connection"))
		}
	})
}

// elements splits a list value the way Clean does, without empty elements.
func elements(v string) []string {
	var out []string
	for rest := v; rest != ""; {
		var e string
		e, rest = nextElement(rest)
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

func relayableOf(v string) []string {
	var out []string
	for _, e := range elements(v) {
		if Relayable(e) {
			out = append(out, e)
		}
	}
	return out
}
