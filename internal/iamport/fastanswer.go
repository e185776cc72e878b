package iamport

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/jsonscan"
)

// decodeCertFast decodes a certification answer without reflection, on
// the request path: encoding/json took about 10 µs of the 24 µs a whole
// verification costs (BENCHMARKS.md, "Signed assertions"); this takes
// about 2. It reports whether it decoded body; when it did, env holds
// exactly what json.Unmarshal would have put there (FuzzCertAnswer checks
// this against encoding/json), and when it did not, env is untouched and
// decodeAnswer hands body to encoding/json, which then decides. It
// declines whatever it does not read the way encoding/json does:
//   - a body that is not valid UTF-8 (encoding/json replaces bad bytes);
//   - a member name with escapes, with bytes beyond ASCII, or equal to a
//     known name but for case (encoding/json matches names without
//     regard to case, Unicode folding included);
//   - a known member given twice (encoding/json keeps the last);
//   - a known member with another JSON type than its field, an integer
//     with a fraction or an exponent or beyond int64, and a response that
//     is neither an object nor null (encoding/json reports those);
//   - anything that is not valid JSON, or more than one value.
func decodeCertFast(body []byte, env *envelope[wireCert]) bool {
	if !utf8.Valid(body) {
		return false
	}
	var (
		out  envelope[wireCert]
		seen uint64
	)
	s := jsonscan.Scanner{B: body}
	ok := members(&s, 1, envelopeNames, &seen, func(i int) bool {
		switch i {
		case 0: // code
			if s.Lit("null") {
				return true
			}
			v, ok := integer(&s, strconv.IntSize)
			if ok {
				code := int(v)
				out.Code = &code
			}
			return ok
		default: // response
			if s.Lit("null") {
				return true
			}
			w := new(wireCert)
			var seen uint64
			if !members(&s, 2, certNames, &seen, func(i int) bool { return certMember(&s, w, i) }) {
				return false
			}
			out.Response = w
			return true
		}
	})
	if !ok {
		return false
	}
	s.WS()
	if s.I != len(body) {
		return false
	}
	*env = out
	return true
}

// The member names decodeCertFast reads, by index.
var (
	envelopeNames = []string{"code", "response"}
	certNames     = []string{"imp_uid", "certified", "certified_at", "name", "gender", "birthday", "birth",
		"foreigner", "foreigner_v2", "phone", "carrier", "unique_key", "unique_in_site"}
)

// certMember reads the value of the wireCert member certNames[i].
func certMember(s *jsonscan.Scanner, w *wireCert, i int) bool {
	switch certNames[i] {
	case "imp_uid":
		return optionalString(s, &w.ImpUID)
	case "certified":
		return boolean(s, &w.Certified)
	case "certified_at":
		if s.Lit("null") {
			return true
		}
		v, ok := integer(s, 64)
		w.CertifiedAt = v
		return ok
	case "name":
		return str(s, &w.Name)
	case "gender":
		return str(s, &w.Gender)
	case "birthday":
		return str(s, &w.Birthday)
	case "birth":
		// Kept raw, as json.RawMessage keeps it (null included); body is
		// not reused, so the slice may point into it.
		start := s.I
		if !s.Skip(2) {
			return false
		}
		w.Birth = s.B[start:s.I]
		return true
	case "foreigner":
		return boolean(s, &w.Foreigner)
	case "foreigner_v2":
		if s.Lit("null") {
			return true
		}
		var v bool
		if !boolean(s, &v) {
			return false
		}
		w.ForeignerV2 = &v
		return true
	case "phone":
		return str(s, &w.Phone)
	case "carrier":
		return str(s, &w.Carrier)
	case "unique_key":
		return str(s, &w.UniqueKey)
	default: // unique_in_site
		return str(s, &w.UniqueInSite)
	}
}

// members reads the object at s, nested in depth containers counting
// itself. For a member named names[i] it calls value(i), which reads the
// value; any other member's value is skipped. seen collects the names met.
// It reports false on invalid JSON and whenever decodeCertFast declines.
func members(s *jsonscan.Scanner, depth int, names []string, seen *uint64, value func(i int) bool) bool {
	s.WS()
	if !s.Eat('{') {
		return false
	}
	s.WS()
	if s.Eat('}') {
		return true
	}
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
		i, decline := lookupName(string(s.B[start:end]), names)
		switch {
		case decline:
			return false
		case i >= 0:
			if *seen&(1<<i) != 0 || !value(i) {
				return false
			}
			*seen |= 1 << i
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
// skip; decline is set for a name encoding/json might match differently.
func lookupName(name string, names []string) (i int, decline bool) {
	for i, n := range names {
		if name == n {
			return i, false
		}
	}
	for j := 0; j < len(name); j++ {
		if name[j] >= utf8.RuneSelf {
			return -1, true
		}
	}
	for _, n := range names {
		if strings.EqualFold(name, n) {
			return -1, true
		}
	}
	return -1, false
}

// str reads a string or null (which leaves *dst alone).
func str(s *jsonscan.Scanner, dst *string) bool {
	if s.Lit("null") {
		return true
	}
	start, end, escaped, ok := s.Str()
	if !ok {
		return false
	}
	raw := s.B[start:end]
	if escaped {
		raw = jsonscan.DecodeString(nil, raw)
	}
	*dst = string(raw)
	return true
}

// optionalString reads a string, or null (which sets *dst to nil).
func optionalString(s *jsonscan.Scanner, dst **string) bool {
	if s.Lit("null") {
		*dst = nil
		return true
	}
	var v string
	if !str(s, &v) {
		return false
	}
	*dst = &v
	return true
}

// boolean reads true, false or null (which leaves *dst alone).
func boolean(s *jsonscan.Scanner, dst *bool) bool {
	switch {
	case s.Lit("true"):
		*dst = true
	case s.Lit("false"):
		*dst = false
	case s.Lit("null"):
	default:
		return false
	}
	return true
}

// integer reads a number that is an integer without fraction or exponent
// and fits in bits bits, as encoding/json reads an integer field.
func integer(s *jsonscan.Scanner, bits int) (int64, bool) {
	start := s.I
	if !s.Num() {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.B[start:s.I]), 10, bits)
	return v, err == nil
}
