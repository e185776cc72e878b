package identity

import (
	"net/http"
	"net/textproto"
	"strconv"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// Values is what Set writes: the record, the keyed hash of its CI (see
// HashCI) and the age the policy computed.
type Values struct {
	Record certification.Record
	CIHash string
	// Age is the person's age in years. It is written only when
	// Record.Birthday is known and Age is not negative.
	Age int
}

// The header suffixes, by index into Headers' names: the three always
// written, then one per field in the order of allFields. They are
// canonical already.
var suffixes = [3 + len(allFields)]string{"Ci-Hash", "Di", "Birth-Year",
	"Name", "Gender", "Foreigner", "Phone", "Carrier", "Birthday", "Age", "Imp-Uid", "At"}

const (
	keyCIHash = iota
	keyDI
	keyBirthYear
	keyName
	keyGender
	keyForeigner
	keyPhone
	keyCarrier
	keyBirthday
	keyAge
	keyImpUID
	keyAt
)

// Headers writes the identity headers under one prefix. Its names are made
// once, by NewHeaders, so that Set builds no header key per request.
type Headers struct {
	names [len(suffixes)]string
}

// NewHeaders returns the Headers of prefix: each name is prefix plus a
// suffix, canonical (textproto.CanonicalMIMEHeaderKey).
func NewHeaders(prefix string) *Headers {
	hs := new(Headers)
	for i, suffix := range suffixes {
		hs.names[i] = textproto.CanonicalMIMEHeaderKey(prefix + suffix)
	}
	return hs
}

// Set writes the identity headers into h under their canonical names.
// Always written: "CI-Hash" (v.CIHash), "DI" (Record.DI) and "Birth-Year"
// (the 4-digit year of Record.Birthday). Each field in forward adds one
// more header, named in the Field constants. A value that is empty or
// unknown is left out rather than sent empty; so is any value other than
// the name that holds a byte outside printable ASCII (0x20-0x7E, which
// excludes CR, LF and NUL) or starts or ends with a space, so a header is
// either the true value or absent. The name is percent-encoded instead
// (RFC 3986 unreserved bytes kept, every other byte as %XX in upper-case
// hex), so "홍길동" is sent as "%ED%99%8D%EA%B8%B8%EB%8F%99".
//
// Set does not remove headers: strip forged ones with Filter.Strip first.
func (hs *Headers) Set(h http.Header, v Values, forward []Field) {
	rec := &v.Record
	// One backing array for every value slice; each header gets a
	// one-element window with its capacity capped, so that an append by a
	// later handler copies instead of overwriting the next header.
	vals := make([]string, len(suffixes))
	used := 0
	put := func(key int, value string) {
		if !safe(value) {
			return
		}
		name := hs.names[key]
		if used == len(vals) { // forward repeats a field
			h[name] = []string{value}
			return
		}
		vals[used] = value
		h[name] = vals[used : used+1 : used+1]
		used++
	}
	put(keyCIHash, v.CIHash)
	put(keyDI, rec.DI)
	if validYear(rec.Birthday.Year) {
		put(keyBirthYear, year4(rec.Birthday.Year))
	}
	for _, f := range forward {
		switch f {
		case FieldName:
			put(keyName, percentEncode(rec.Name))
		case FieldGender:
			put(keyGender, rec.Gender)
		case FieldForeigner:
			if !rec.ForeignerUnknown {
				put(keyForeigner, strconv.FormatBool(rec.Foreigner))
			}
		case FieldPhone:
			put(keyPhone, rec.Phone)
		case FieldCarrier:
			put(keyCarrier, rec.Carrier)
		case FieldBirthday:
			put(keyBirthday, date(rec.Birthday))
		case FieldAge:
			if !rec.Birthday.IsZero() && v.Age >= 0 {
				put(keyAge, strconv.Itoa(v.Age))
			}
		case FieldImpUID:
			put(keyImpUID, rec.ImpUID)
		case FieldCertifiedAt:
			if !rec.CertifiedAt.IsZero() {
				put(keyAt, rec.CertifiedAt.UTC().Format(time.RFC3339))
			}
		}
	}
}

// safe reports whether value may be sent as a header value as it is.
func safe(value string) bool {
	if value == "" || value[0] == ' ' || value[len(value)-1] == ' ' {
		return false
	}
	for i := 0; i < len(value); i++ {
		if value[i] < 0x20 || value[i] > 0x7E {
			return false
		}
	}
	return true
}

func validYear(y int) bool { return y >= 1 && y <= 9999 }

// year4 formats a valid year with four digits.
func year4(y int) string {
	b := [4]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10)}
	return string(b[:])
}

// date formats d as YYYY-MM-DD, or returns "" when d is not a valid date.
func date(d certification.Date) string {
	if !validYear(d.Year) || d.Month < time.January || d.Month > time.December || d.Day < 1 || d.Day > 31 {
		return ""
	}
	m, day := int(d.Month), d.Day
	b := [10]byte{0, 0, 0, 0, '-', byte('0' + m/10), byte('0' + m%10), '-', byte('0' + day/10), byte('0' + day%10)}
	copy(b[:4], year4(d.Year))
	return string(b[:])
}

// percentEncode returns s with every byte outside the RFC 3986 unreserved
// set (A-Z a-z 0-9 - . _ ~) written as %XX in upper-case hex; a space
// becomes "%20". Decoding it with any URL decoder gives s back.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
