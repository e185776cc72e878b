// Package jsonscan walks JSON texts in place, without reflection and
// without allocating: a strict RFC 8259 scanner (UTF-8 validity is the
// caller's to check) with string decoding that resolves escapes as
// encoding/json does. internal/extract uses it to find imp_uid in request
// bodies the way every backend framework would, and internal/iamport to
// read i'mport's answers on the request path; both are tested against
// encoding/json.
package jsonscan

import (
	"encoding/binary"
	"encoding/hex"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays Skip accepts,
// counting the containers already open around the value.
const MaxDepth = 64

// Scanner walks the JSON text B in place. Its methods advance I past what
// they accept and report false, leaving I anywhere, on anything invalid.
type Scanner struct {
	B []byte
	I int
}

func (s *Scanner) WS() {
	for s.I < len(s.B) {
		switch s.B[s.I] {
		case ' ', '\t', '\n', '\r':
			s.I++
		default:
			return
		}
	}
}

func (s *Scanner) Eat(c byte) bool {
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
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

// SkipPlain returns the index of the first byte at or after i that is not
// plain, or len(b). It tests eight bytes at a time: a word is skipped whole
// when none of its bytes is below 0x20, '"' or '\\'.
func SkipPlain(b []byte, i int) int {
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

// Str accepts a string and returns the bounds of its raw contents, and
// whether they contain escapes.
func (s *Scanner) Str() (start, end int, escaped, ok bool) {
	if !s.Eat('"') {
		return 0, 0, false, false
	}
	start = s.I
	for s.I < len(s.B) {
		s.I = SkipPlain(s.B, s.I)
		if s.I >= len(s.B) {
			break
		}
		c := s.B[s.I]
		switch {
		case c == '"':
			s.I++
			return start, s.I - 1, escaped, true
		case c < 0x20:
			return 0, 0, false, false
		case c == '\\':
			escaped = true
			if s.I+1 >= len(s.B) {
				return 0, 0, false, false
			}
			switch s.B[s.I+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.I += 2
			case 'u':
				if s.I+5 >= len(s.B) || hex4(s.B[s.I+2:]) < 0 {
					return 0, 0, false, false
				}
				s.I += 6
			default:
				return 0, 0, false, false
			}
		default:
			s.I++
		}
	}
	return 0, 0, false, false
}

// Lit accepts the literal word.
func (s *Scanner) Lit(word string) bool {
	if len(s.B)-s.I < len(word) || string(s.B[s.I:s.I+len(word)]) != word {
		return false
	}
	s.I += len(word)
	return true
}

// Num accepts a number as RFC 8259 section 6 spells it.
func (s *Scanner) Num() bool {
	s.Eat('-')
	switch {
	case s.Eat('0'):
	case s.I < len(s.B) && s.B[s.I] >= '1' && s.B[s.I] <= '9':
		s.digits()
	default:
		return false
	}
	if s.Eat('.') && !s.digits() {
		return false
	}
	if s.Eat('e') || s.Eat('E') {
		if !s.Eat('+') {
			s.Eat('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits accepts one or more ASCII digits.
func (s *Scanner) digits() bool {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	return s.I > start
}

// KeyColon accepts an object key and the colon after it.
func (s *Scanner) KeyColon() bool {
	s.WS()
	if _, _, _, ok := s.Str(); !ok {
		return false
	}
	s.WS()
	return s.Eat(':')
}

// member reads an object member's start with member, or its key and colon
// when member is nil.
func (s *Scanner) member(member func(open int) (consumed, ok bool), open int) (consumed, ok bool) {
	if member == nil {
		return false, s.KeyColon()
	}
	return member(open)
}

// Skip accepts one value found at nesting depth depth (the containers
// already open around it).
func (s *Scanner) Skip(depth int) bool { return s.Walk(depth, nil) }

// Walk accepts one value found at nesting depth depth, as Skip does, and
// calls member at every object member it meets, with I at the member's
// key and open the number of containers open around the member (depth
// included). member reads the key and the colon, and may read the value
// too; it reports whether it did (consumed) and whether what it read was
// valid. A nil member reads the key and the colon only. Walk uses no
// recursion: open containers are kept as bits of a word (1 for an object),
// which MaxDepth keeps within 64 bits.
func (s *Scanner) Walk(depth int, member func(open int) (consumed, ok bool)) bool {
	var objects uint64
	open := 0
	for {
		// A value is expected here.
		s.WS()
		if s.I >= len(s.B) {
			return false
		}
		switch c := s.B[s.I]; c {
		case '{', '[':
			if depth+open >= MaxDepth {
				return false
			}
			s.I++
			closer := byte(']')
			if c == '{' {
				objects |= 1 << open
				closer = '}'
			} else {
				objects &^= 1 << open
			}
			open++
			s.WS()
			if s.Eat(closer) {
				open--
				break
			}
			if c == '[' {
				continue
			}
			consumed, ok := s.member(member, depth+open)
			if !ok {
				return false
			}
			if !consumed {
				continue
			}
		case '"':
			if _, _, _, ok := s.Str(); !ok {
				return false
			}
		case 't':
			if !s.Lit("true") {
				return false
			}
		case 'f':
			if !s.Lit("false") {
				return false
			}
		case 'n':
			if !s.Lit("null") {
				return false
			}
		default:
			if !s.Num() {
				return false
			}
		}
		// A value has ended: close containers until one continues.
	closing:
		for {
			if open == 0 {
				return true
			}
			s.WS()
			isObject := objects&(1<<(open-1)) != 0
			if s.Eat(',') {
				if !isObject {
					break closing
				}
				consumed, ok := s.member(member, depth+open)
				if !ok {
					return false
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
			if !s.Eat(closer) {
				return false
			}
			open--
		}
	}
}

// DecodeString appends the contents of a JSON string, escapes resolved, to
// dst. raw must have been accepted by Str. An unpaired surrogate becomes
// U+FFFD, as encoding/json decodes it.
func DecodeString(dst, raw []byte) []byte {
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

// hex4 returns the value of the four hexadecimal digits that start b, or
// -1 when they are not four hexadecimal digits.
func hex4(b []byte) rune {
	var v [2]byte
	if _, err := hex.Decode(v[:], b[:4]); err != nil {
		return -1
	}
	return rune(v[0])<<8 | rune(v[1])
}
