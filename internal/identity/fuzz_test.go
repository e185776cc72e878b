package identity

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzFilter checks Matches against its definition and that Strip leaves no
// matching key behind.
func FuzzFilter(f *testing.F) {
	f.Add("X-Verified-", "x-verified_ci-hash")
	f.Add("X-Verified-", "X-Verified")
	f.Add("x_id.", "X-ID-Name")
	f.Add("X-Verified-", "Y-X-Verified-CI")
	f.Fuzz(func(t *testing.T, prefix, name string) {
		flt := NewFilter(prefix)
		want := prefix != "" && strings.HasPrefix(Normalize(name), Normalize(prefix))
		if got := flt.Matches(name); got != want {
			t.Fatalf("NewFilter(%q).Matches(%q) = %v, want %v", prefix, name, got, want)
		}
		if len(Normalize(name)) != len(name) {
			t.Fatalf("Normalize changed the length of %q", name)
		}
		h := http.Header{
			name:                    {"v"},
			strings.ToUpper(name):   {"v"},
			prefix + name:           {"v"},
			Normalize(prefix) + "x": {"v"},
			"Cookie":                {"kept"},
		}
		before := len(h)
		n := flt.Strip(h)
		for k := range h {
			if flt.Matches(k) {
				t.Fatalf("Strip left matching key %q", k)
			}
		}
		if len(h) != before-n {
			t.Fatalf("Strip reported %d removals, header shrank by %d", n, before-len(h))
		}
	})
}
