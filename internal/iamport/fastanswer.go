package iamport

import (
	"strconv"

	"github.com/verigate/caddy-iamport/internal/jsonscan"
)

// decodeCertFast decodes a certification answer without reflection, on
// the request path, with jsonscan's object readers: encoding/json took
// about 10 µs of a 24-30 µs verification (BENCHMARKS.md, "Signed
// assertions"), this about 2. It reports whether it decoded body. When it
// did, env holds exactly what json.Unmarshal would have put there
// (FuzzCertAnswer checks this against encoding/json); when it did not,
// env is untouched and decodeAnswer hands body to encoding/json, which
// then decides. It declines whatever it does not read the way
// encoding/json does (see jsonscan.Members and the readers): bad UTF-8,
// member names that are escaped, beyond ASCII or equal to a known name
// but for case, a known member given twice, a member of another JSON type
// than its field, integers with a fraction or an exponent or out of range,
// a response that is neither an object nor null, and anything that is not
// one valid JSON value.
func decodeCertFast(body []byte, env *envelope[wireCert]) bool {
	var out envelope[wireCert]
	ok := jsonscan.Object(body, envelopeNames, func(s *jsonscan.Scanner, i int) bool {
		if i == 0 { // code
			if s.Null() {
				return true
			}
			var code int64
			if !s.Int(&code, strconv.IntSize) {
				return false
			}
			c := int(code)
			out.Code = &c
			return true
		}
		// response
		if s.Null() {
			return true
		}
		w := new(wireCert)
		if !s.Members(2, certNames, func(i int) bool { return certMember(s, w, i) }) {
			return false
		}
		out.Response = w
		return true
	})
	if ok {
		*env = out
	}
	return ok
}

// The member names decodeCertFast reads, by index.
var (
	envelopeNames = []string{"code", "response"}
	certNames     = []string{"imp_uid", "certified", "certified_at", "name", "gender", "birthday", "birth",
		"foreigner", "foreigner_v2", "phone", "carrier", "unique_key", "unique_in_site"}
)

// certMember reads the value of the wireCert member certNames[i].
func certMember(s *jsonscan.Scanner, w *wireCert, i int) bool {
	switch i {
	case 0:
		return s.OptionalString(&w.ImpUID)
	case 1:
		return s.Bool(&w.Certified)
	case 2:
		return s.Int(&w.CertifiedAt, 64)
	case 3:
		return s.String(&w.Name)
	case 4:
		return s.String(&w.Gender)
	case 5:
		return s.String(&w.Birthday)
	case 6:
		// Kept raw, null included, as json.RawMessage keeps it; the answer's
		// buffer is not reused, so the slice may point into it.
		var ok bool
		w.Birth, ok = s.Raw(2)
		return ok
	case 7:
		return s.Bool(&w.Foreigner)
	case 8:
		return s.OptionalBool(&w.ForeignerV2)
	case 9:
		return s.String(&w.Phone)
	case 10:
		return s.String(&w.Carrier)
	case 11:
		return s.String(&w.UniqueKey)
	default:
		return s.String(&w.UniqueInSite)
	}
}
