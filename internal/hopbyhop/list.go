package hopbyhop

import (
	"strings"

	"golang.org/x/net/http/httpguts"
)

// nextElement splits the comma-separated list s (RFC 9110 section 5.6.1)
// into its first element, with optional whitespace around it removed, and
// the rest after the first comma. Empty elements come back as "".
func nextElement(s string) (elem, rest string) {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return trimOWS(s[:i]), s[i+1:]
	}
	return trimOWS(s), ""
}

// trimOWS removes spaces and horizontal tabs around s.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports whether s is an RFC 9110 token (httpguts checks field
// names, which are tokens, with the same table).
func isToken(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// joinKept joins the elements of every value of vals for which keep
// returns true, separated by ", ", skipping empty elements.
func joinKept(vals []string, keep func(string) bool) string {
	var b strings.Builder
	for _, v := range vals {
		for rest := v; rest != ""; {
			var e string
			e, rest = nextElement(rest)
			if e == "" || !keep(e) {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e)
		}
	}
	return b.String()
}
