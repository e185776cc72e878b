package identity

import "net/http"

// Normalize returns name with ASCII letters lower-cased and '_' and '.'
// replaced by '-', the form in which Filter compares header names. Other
// bytes are kept as they are, so the result has the same length as name.
func Normalize(name string) string {
	for i := 0; i < len(name); i++ {
		if normByte(name[i]) != name[i] {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				b[j] = normByte(b[j])
			}
			return string(b)
		}
	}
	return name
}

// normByte is Normalize for one byte.
func normByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_' || c == '.':
		return '-'
	}
	return c
}

// Filter recognises the header names under one prefix and, optionally, one
// more whole name (WithName), such as a signed-assertion header an operator
// named outside the prefix. The zero value, like a Filter made from an
// empty prefix, matches no name: a filter that removed every header is
// never what a caller means.
type Filter struct {
	prefix string // normalised; matches every name that starts with it
	name   string // normalised; matches this whole name only
}

// NewFilter returns a Filter for prefix, such as "X-Verified-". The prefix
// is normalised once here.
func NewFilter(prefix string) Filter { return Filter{prefix: Normalize(prefix)} }

// NewNameFilter returns a Filter that matches one header name, compared
// the same loose way, and no longer name that starts with it: with
// "X-Identity-Token", "x_identity.token" matches and
// "X-Identity-Token-2" does not.
func NewNameFilter(name string) Filter { return Filter{name: Normalize(name)} }

// WithName returns a copy of f that also matches the whole header name
// name (compared as NewNameFilter compares it). A Filter holds at most one
// such name; a later call replaces it.
func (f Filter) WithName(name string) Filter {
	f.name = Normalize(name)
	return f
}

// Matches reports whether Normalize(name) starts with the normalised
// prefix. With the prefix "X-Verified-", "x-verified_ci-hash" and
// "X.VERIFIED.DI" match, while "X-Verified" (the prefix without its final
// dash) and "Y-X-Verified-CI" do not. Matches does not allocate.
func (f Filter) Matches(name string) bool {
	return foldedPrefix(name, f.prefix) || (len(name) == len(f.name) && foldedPrefix(name, f.name))
}

// foldedPrefix reports whether Normalize(name) starts with the normalised,
// non-empty p, without allocating.
func foldedPrefix(name, p string) bool {
	if p == "" || len(name) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if normByte(name[i]) != p[i] {
			return false
		}
	}
	return true
}

// Strip deletes from h every key that Matches, whatever its spelling (keys
// need not be canonical: HTTP/2 and direct map writes can leave
// "x-verified_ci-hash" or "X-VERIFIED.CI.HASH"), with all its values. It
// returns the number of keys deleted and does not allocate when none
// matches.
func (f Filter) Strip(h http.Header) int {
	n := 0
	for k := range h {
		if f.Matches(k) {
			delete(h, k)
			n++
		}
	}
	return n
}
