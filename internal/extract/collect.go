package extract

import (
	"unicode"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// collector gathers the values found for the field and enforces that they
// all agree. Its scratch arrays give the decoders room to work without
// allocating for keys and values of ordinary length.
type collector struct {
	field string
	id    string
	key   [64]byte
	val   [64]byte
}

// add records one value. Empty values are ignored; any other value must
// pass certification.ValidImpUID and equal every value recorded before it.
func (c *collector) add(v []byte, where string) *problem.Error {
	if len(v) == 0 {
		return nil
	}
	if !certification.ValidImpUID(v) {
		return problem.New(problem.ImpUIDInvalid, "the "+c.field+" "+where+" is not a valid i'mport verification id")
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

// matches reports whether key counts as the field: equal after fold is
// applied to every rune of both.
func (c *collector) matches(key []byte) bool {
	f := c.field
	for len(key) > 0 && len(f) > 0 {
		kr, kn := utf8.DecodeRune(key)
		fr, fn := utf8.DecodeRuneInString(f)
		if fold(kr) != fold(fr) {
			return false
		}
		key, f = key[kn:], f[fn:]
	}
	return len(key) == 0 && len(f) == 0
}

// fold maps a rune of a key to the form compared by matches: ASCII letters
// upper-cased, '-', '.', ' ' and '[' read as '_', and any other rune
// folded the way encoding/json folds field names.
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
