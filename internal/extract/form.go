package extract

import (
	"bytes"
	"strings"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// scanQuery records every value of the field in a raw URL query. Pairs are
// split on '&' and ';'. Keys are decoded leniently (a malformed escape is
// kept literally, as PHP does), so a key that cannot be decoded never counts
// as the field; the value of a key that counts must decode cleanly.
func scanQuery(q string, c *collector) *problem.Error {
	for len(q) > 0 {
		var pair string
		if i := strings.IndexAny(q, "&;"); i >= 0 {
			pair, q = q[:i], q[i+1:]
		} else {
			pair, q = q, ""
		}
		key, val := pair, ""
		if i := strings.IndexByte(pair, '='); i >= 0 {
			key, val = pair[:i], pair[i+1:]
		}
		k, _ := unescape(c.key[:0], key, true)
		if !c.matches(k) {
			continue
		}
		v, ok := unescape(c.val[:0], val, false)
		if !ok {
			return problem.New(problem.ImpUIDInvalid, "the "+c.field+" in the query string is not correctly percent-encoded")
		}
		if err := c.add(v, "in the query string"); err != nil {
			return err
		}
	}
	return nil
}

// scanForm records every value of the field in an
// application/x-www-form-urlencoded body, which must parse as
// url.ParseQuery would parse it.
func scanForm(b []byte, c *collector) *problem.Error {
	for len(b) > 0 {
		var pair []byte
		if i := bytes.IndexByte(b, '&'); i >= 0 {
			pair, b = b[:i], b[i+1:]
		} else {
			pair, b = b, nil
		}
		if bytes.IndexByte(pair, ';') >= 0 {
			return problem.New(problem.BodyInvalid, "the form body uses ';' as a separator")
		}
		key, val := pair, []byte(nil)
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			key, val = pair[:i], pair[i+1:]
		}
		k, ok := unescape(c.key[:0], key, false)
		if !ok {
			return problem.New(problem.BodyInvalid, "the form body is not correctly percent-encoded")
		}
		if !c.matches(k) {
			if !escapesValid(val) {
				return problem.New(problem.BodyInvalid, "the form body is not correctly percent-encoded")
			}
			continue
		}
		v, ok := unescape(c.val[:0], val, false)
		if !ok {
			return problem.New(problem.BodyInvalid, "the form body is not correctly percent-encoded")
		}
		if err := c.add(v, "in the form body"); err != nil {
			return err
		}
	}
	return nil
}

// unescape appends the form-decoded s to dst: '+' becomes a space and %XX
// the byte it names. With lenient set, a '%' that does not start a valid
// escape is kept as it is; otherwise it makes ok false.
func unescape[T string | []byte](dst []byte, s T, lenient bool) (out []byte, ok bool) {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 2
				continue
			}
			if !lenient {
				return dst, false
			}
			dst = append(dst, ch)
		default:
			dst = append(dst, ch)
		}
	}
	return dst, true
}

// escapesValid reports whether every '%' in s starts a valid escape.
func escapesValid(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
