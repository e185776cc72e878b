package hopbyhop

import "strings"

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

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

// isTchar reports whether c may appear in a token.
func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

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
