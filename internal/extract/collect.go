package extract

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// collector gathers the values found for the field and enforces that they
// all agree. Its scratch arrays give the decoders room to work without
// allocating for keys and values of ordinary length.
type collector struct {
	field string
	valid func([]byte) bool
	id    string
	key   [64]byte
	val   [64]byte
}

// add records one value. Empty values are ignored; any other value must
// pass the source's id grammar (c.valid) and equal every value recorded
// before it.
func (c *collector) add(v []byte, where string) *problem.Error {
	if len(v) == 0 {
		return nil
	}
	if !c.valid(v) {
		return problem.New(problem.ImpUIDInvalid, "the "+c.field+" "+where+" is not a valid verification id")
	}
	if c.id == "" {
		c.id = string(v)
		return nil
	}
	if c.id != string(v) {
		return problem.New(problem.ImpUIDConflict, "the request carries more than one different "+c.field)
	}
	return nil
}

// matches reports whether key counts as the field, by the rules of the
// package documentation: the key is cut at its first NUL, and then either
// the whole key or any piece of it between '[', ']' and '.' must equal the
// field once both are folded (see sameName).
func (c *collector) matches(key []byte) bool {
	if i := bytes.IndexByte(key, 0); i >= 0 {
		key = key[:i]
	}
	if c.sameName(key) {
		return true
	}
	start := 0
	for i := 0; i <= len(key); i++ {
		if i < len(key) && key[i] != '[' && key[i] != ']' && key[i] != '.' {
			continue
		}
		// A piece that is the whole key was compared above.
		if i > start && (start > 0 || i < len(key)) && c.sameName(key[start:i]) {
			return true
		}
		start = i + 1
	}
	return false
}

// sameName reports whether name equals the field after white space at
// both ends and one leading '!' (Spring's default-value prefix) are
// dropped and fold is applied to every rune of both.
func (c *collector) sameName(name []byte) bool {
	name = bytes.TrimFunc(name, isSpace)
	if len(name) > 0 && name[0] == '!' {
		name = bytes.TrimFunc(name[1:], isSpace)
	}
	f := c.field
	for len(name) > 0 && len(f) > 0 {
		kr, kn := utf8.DecodeRune(name)
		fr, fn := utf8.DecodeRuneInString(f)
		if fold(kr) != fold(fr) {
			return false
		}
		name, f = name[kn:], f[fn:]
	}
	return len(name) == 0 && len(f) == 0
}

// isSpace reports whether r is white space to Go or to Python's
// str.strip (which Django applies to multipart field names), which adds
// the separators U+001C to U+001F.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// fold maps a rune of a key to the form compared by sameName: ASCII
// letters upper-cased, '-', '.', ' ' and '[' read as '_', and any other
// rune folded the way encoding/json folds field names.
func fold(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z':
		return r - 'a' + 'A'
	case r == '-' || r == '.' || r == ' ' || r == '[':
		return '_'
	case r < utf8.RuneSelf:
		return r
	}
	return unicode.ToUpper(unicode.ToLower(r))
}
