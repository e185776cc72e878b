package extract

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// maxDepth is the deepest nesting of objects and arrays a JSON body may
// have, counting the top-level object as 1.
const maxDepth = 64

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
	s := scanner{b: b}
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return errJSON
	}
	// A field value that is not a string is imp_uid_invalid, but only once
	// the whole body is known to be valid JSON: a truncated body is
	// body_invalid whatever came before the cut.
	var notString *problem.Error
	// Open containers are kept as bits of a word (1 for an object), which
	// maxDepth keeps within 64 bits; the walk needs no recursion.
	var objects uint64
	open := 0
	for {
		// A value is expected here.
		s.ws()
		if s.i >= len(b) {
			return errJSON
		}
		switch ch := b[s.i]; ch {
		case '{', '[':
			if open >= maxDepth {
				return errJSON
			}
			s.i++
			closer := byte(']')
			if ch == '{' {
				objects |= 1 << open
				closer = '}'
			} else {
				objects &^= 1 << open
			}
			open++
			s.ws()
			if s.eat(closer) {
				open--
				break
			}
			if ch == '[' {
				continue
			}
			consumed, perr := s.member(c, open, &notString)
			if perr != nil {
				return perr
			}
			if !consumed {
				continue
			}
		case '"':
			if _, _, _, ok := s.str(); !ok {
				return errJSON
			}
		case 't':
			if !s.lit("true") {
				return errJSON
			}
		case 'f':
			if !s.lit("false") {
				return errJSON
			}
		case 'n':
			if !s.lit("null") {
				return errJSON
			}
		default:
			if !s.num() {
				return errJSON
			}
		}
		// A value has ended: close containers until one continues.
	closing:
		for {
			s.ws()
			if open == 0 {
				if s.i != len(b) {
					return errJSON
				}
				return notString
			}
			isObject := objects&(1<<(open-1)) != 0
			if s.eat(',') {
				if !isObject {
					break closing
				}
				consumed, perr := s.member(c, open, &notString)
				if perr != nil {
					return perr
				}
				if !consumed {
					break closing
				}
				continue
			}
			closer := byte(']')
			if isObject {
				closer = '}'
			}
			if !s.eat(closer) {
				return errJSON
			}
			open--
		}
	}
}

// member reads an object member's key and colon. When the key counts as
// the field it also reads the value, records it if it is a string (and
// notes in notString that it is not, otherwise) and reports consumed;
// otherwise the value is left for the caller. open is the number of
// containers open around the member.
func (s *scanner) member(c *collector, open int, notString **problem.Error) (consumed bool, perr *problem.Error) {
	s.ws()
	start, end, escaped, ok := s.str()
	if !ok {
		return false, errJSON
	}
	s.ws()
	if !s.eat(':') {
		return false, errJSON
	}
	s.ws()
	key := s.b[start:end]
	if escaped {
		key = decodeString(c.key[:0], key)
	}
	if !c.matches(key) {
		return false, nil
	}
	if s.i < len(s.b) && s.b[s.i] == '"' {
		start, end, escaped, ok := s.str()
		if !ok {
			return false, errJSON
		}
		v := s.b[start:end]
		if escaped {
			v = decodeString(c.val[:0], v)
		}
		return true, c.add(v, "in the JSON body")
	}
	if !s.skip(open) {
		return false, errJSON
	}
	if *notString == nil {
		*notString = problem.New(problem.ImpUIDInvalid, "the "+c.field+" in the JSON body is not a string")
	}
	return true, nil
}

// scanner walks a JSON text in place. Its methods advance i past what they
// accept and report false, leaving i anywhere, on anything invalid.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// plain marks the bytes that may stand for themselves inside a string:
// all but '"', '\\' and the control characters below 0x20.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipPlain returns the index of the first byte at or after i that is not
// plain, or len(b). It tests eight bytes at a time: a word is skipped whole
// when none of its bytes is below 0x20, '"' or '\\'.
func skipPlain(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ ('"' * ones)
		bs := x ^ ('\\' * ones)
		if ((x-0x20*ones)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

// str accepts a string and returns the bounds of its raw contents, and
// whether they contain escapes.
func (s *scanner) str() (start, end int, escaped, ok bool) {
	if !s.eat('"') {
		return 0, 0, false, false
	}
	start = s.i
	for s.i < len(s.b) {
		s.i = skipPlain(s.b, s.i)
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return start, s.i - 1, escaped, true
		case c < 0x20:
			return 0, 0, false, false
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return 0, 0, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+5 >= len(s.b) || !isHex(s.b[s.i+2]) || !isHex(s.b[s.i+3]) || !isHex(s.b[s.i+4]) || !isHex(s.b[s.i+5]) {
					return 0, 0, false, false
				}
				s.i += 6
			default:
				return 0, 0, false, false
			}
		default:
			s.i++
		}
	}
	return 0, 0, false, false
}

// lit accepts the literal word.
func (s *scanner) lit(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// num accepts a number as RFC 8259 section 6 spells it.
func (s *scanner) num() bool {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') && !s.digits() {
		return false
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits accepts one or more ASCII digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// keyColon accepts an object key and the colon after it.
func (s *scanner) keyColon() bool {
	s.ws()
	if _, _, _, ok := s.str(); !ok {
		return false
	}
	s.ws()
	return s.eat(':')
}

// skip accepts one value found at nesting depth depth, without recursion:
// open containers are kept as bits of a word (1 for an object), which
// maxDepth keeps within 64 bits.
func (s *scanner) skip(depth int) bool {
	var objects uint64
	open := 0
	for {
		// A value is expected here.
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; c {
		case '{', '[':
			if depth+open >= maxDepth {
				return false
			}
			s.i++
			close := byte(']')
			if c == '{' {
				objects |= 1 << open
				close = '}'
			} else {
				objects &^= 1 << open
			}
			open++
			s.ws()
			if s.eat(close) {
				open--
				break
			}
			if c == '{' && !s.keyColon() {
				return false
			}
			continue
		case '"':
			if _, _, _, ok := s.str(); !ok {
				return false
			}
		case 't':
			if !s.lit("true") {
				return false
			}
		case 'f':
			if !s.lit("false") {
				return false
			}
		case 'n':
			if !s.lit("null") {
				return false
			}
		default:
			if !s.num() {
				return false
			}
		}
		// A value has ended: close containers until one continues.
		for {
			if open == 0 {
				return true
			}
			s.ws()
			isObject := objects&(1<<(open-1)) != 0
			if s.eat(',') {
				if isObject && !s.keyColon() {
					return false
				}
				break
			}
			close := byte(']')
			if isObject {
				close = '}'
			}
			if !s.eat(close) {
				return false
			}
			open--
		}
	}
}

// decodeString appends the contents of a JSON string, escapes resolved, to
// dst. raw must have been accepted by str. An unpaired surrogate becomes
// U+FFFD, as encoding/json decodes it.
func decodeString(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 = hex4(raw[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\' and '/' stand for themselves.
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r = r<<4 | rune(unhex(c))
	}
	return r
}
