package extract

import (
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/jsonscan"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// maxDepth is the deepest nesting of objects and arrays a JSON body may
// have, counting the top-level object as 1.
const maxDepth = jsonscan.MaxDepth

var errJSON = problem.New(problem.BodyInvalid, "the JSON body is not a single valid JSON object")

// scanJSON records the value of every key of the JSON object b, at any
// depth, that counts as the field. b must be exactly one object in valid
// UTF-8 with no byte order mark and at most maxDepth levels of nesting. A
// key that counts as the field must hold a string.
func scanJSON(b []byte, c *collector) *problem.Error {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return problem.New(problem.BodyInvalid, "the JSON body starts with a byte order mark")
	}
	if !utf8.Valid(b) {
		return problem.New(problem.BodyInvalid, "the JSON body is not valid UTF-8")
	}
	s := jsonscan.Scanner{B: b}
	s.WS()
	if s.I >= len(b) || b[s.I] != '{' {
		return errJSON
	}
	// A field value that is not a string is imp_uid_invalid, but only once
	// the whole body is known to be valid JSON: a truncated body is
	// body_invalid whatever came before the cut. An error of the collector
	// (a conflict, an invalid id) ends the walk at once.
	var notString, perr *problem.Error
	ok := s.Walk(0, func(open int) (bool, bool) {
		var consumed bool
		consumed, perr = member(&s, c, open, &notString)
		return consumed, perr == nil
	})
	switch {
	case perr != nil:
		return perr
	case !ok:
		return errJSON
	}
	s.WS()
	if s.I != len(b) {
		return errJSON
	}
	return notString
}

// member reads an object member's key and colon. When the key counts as
// the field it also reads the value, records it if it is a string (and
// notes in notString that it is not, otherwise) and reports consumed;
// otherwise the value is left for the caller. open is the number of
// containers open around the member.
func member(s *jsonscan.Scanner, c *collector, open int, notString **problem.Error) (consumed bool, perr *problem.Error) {
	s.WS()
	start, end, escaped, ok := s.Str()
	if !ok {
		return false, errJSON
	}
	s.WS()
	if !s.Eat(':') {
		return false, errJSON
	}
	s.WS()
	key := s.B[start:end]
	if escaped {
		key = jsonscan.DecodeString(c.key[:0], key)
	}
	if !c.matches(key) {
		return false, nil
	}
	if s.I < len(s.B) && s.B[s.I] == '"' {
		start, end, escaped, ok := s.Str()
		if !ok {
			return false, errJSON
		}
		v := s.B[start:end]
		if escaped {
			v = jsonscan.DecodeString(c.val[:0], v)
		}
		return true, c.add(v, "in the JSON body")
	}
	if !s.Skip(open) {
		return false, errJSON
	}
	if *notString == nil {
		*notString = problem.New(problem.ImpUIDInvalid, "the "+c.field+" in the JSON body is not a string")
	}
	return true, nil
}
