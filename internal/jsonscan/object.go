package jsonscan

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The object readers below decode an API answer into Go values without
// reflection, for the request path, and give exactly what encoding/json's
// Unmarshal gives for the same text, or nothing: they report false on
// anything they would read differently, and the caller then hands the text
// to encoding/json, which decides. Each reports false on invalid JSON too.

// Object reads body, which must be exactly one JSON object in valid UTF-8
// (encoding/json replaces invalid bytes; Object declines them), by Members
// at depth 1.
func Object(body []byte, names []string, value func(s *Scanner, i int) bool) bool {
	if !utf8.Valid(body) {
		return false
	}
	s := Scanner{B: body}
	if !s.Members(1, names, func(i int) bool { return value(&s, i) }) {
		return false
	}
	s.WS()
	return s.I == len(body)
}

// Members reads the object at I, nested in depth containers counting
// itself (1 for a top-level object). For a member named names[i] it calls
// value(i), which must read the value; every other member's value is
// skipped. It declines (reports false) a member name that has escapes or
// bytes beyond ASCII, or equals one of names but for case, since
// encoding/json matches names without regard to case (Unicode folding
// included); and a name of names given twice (encoding/json keeps the
// last). names holds at most 64 names.
func (s *Scanner) Members(depth int, names []string, value func(i int) bool) bool {
	s.WS()
	if !s.Eat('{') {
		return false
	}
	s.WS()
	if s.Eat('}') {
		return true
	}
	var seen uint64
	for {
		s.WS()
		start, end, escaped, ok := s.Str()
		if !ok || escaped {
			return false
		}
		s.WS()
		if !s.Eat(':') {
			return false
		}
		s.WS()
		i, decline := lookupName(s.B[start:end], names)
		switch {
		case decline:
			return false
		case i >= 0:
			if seen&(1<<i) != 0 || !value(i) {
				return false
			}
			seen |= 1 << i
		case !s.Skip(depth):
			return false
		}
		s.WS()
		if !s.Eat(',') {
			return s.Eat('}')
		}
	}
}

// lookupName returns the index of name in names, or -1 for a name to
// skip; decline is set for a name encoding/json might match to one of
// names.
func lookupName(name []byte, names []string) (i int, decline bool) {
	for i, n := range names {
		if string(name) == n {
			return i, false
		}
	}
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return -1, true
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(name), n) {
			return -1, true
		}
	}
	return -1, false
}

// Null reads null.
func (s *Scanner) Null() bool { return s.Lit("null") }

// String reads a string into *dst, or null, which leaves *dst alone (as
// encoding/json does for a string field).
func (s *Scanner) String(dst *string) bool {
	if s.Null() {
		return true
	}
	start, end, escaped, ok := s.Str()
	if !ok {
		return false
	}
	raw := s.B[start:end]
	if escaped {
		raw = DecodeString(nil, raw)
	}
	*dst = string(raw)
	return true
}

// OptionalString reads a string into a new *dst, or null, which sets *dst
// to nil (as encoding/json does for a *string field).
func (s *Scanner) OptionalString(dst **string) bool {
	if s.Null() {
		*dst = nil
		return true
	}
	v := new(string)
	if !s.String(v) {
		return false
	}
	*dst = v
	return true
}

// Bool reads true or false into *dst, or null, which leaves *dst alone.
func (s *Scanner) Bool(dst *bool) bool {
	switch {
	case s.Lit("true"):
		*dst = true
	case s.Lit("false"):
		*dst = false
	case s.Null():
	default:
		return false
	}
	return true
}

// OptionalBool reads true or false into a new *dst, or null, which sets
// *dst to nil.
func (s *Scanner) OptionalBool(dst **bool) bool {
	if s.Null() {
		*dst = nil
		return true
	}
	v := new(bool)
	if !s.Bool(v) {
		return false
	}
	*dst = v
	return true
}

// Int reads an integer that fits in bits bits into *dst, or null, which
// leaves *dst alone. It declines a number with a fraction or an exponent,
// or out of range, as encoding/json refuses it for an integer field.
func (s *Scanner) Int(dst *int64, bits int) bool {
	if s.Null() {
		return true
	}
	start := s.I
	if !s.Num() {
		return false
	}
	v, err := strconv.ParseInt(string(s.B[start:s.I]), 10, bits)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// Raw skips the value at I, found at nesting depth depth, and returns its
// text as json.RawMessage would hold it. The slice points into B.
func (s *Scanner) Raw(depth int) ([]byte, bool) {
	start := s.I
	if !s.Skip(depth) {
		return nil, false
	}
	return s.B[start:s.I], true
}
