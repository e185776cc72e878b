package extract

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// bodyKind says how a body is read for the id.
type bodyKind int

const (
	kindRefused bodyKind = iota // any byte in it is refused
	kindJSON
	kindForm
	kindMultipart
)

// maxBoundary is the longest multipart boundary RFC 2046 allows.
const maxBoundary = 70

// classify tells from the headers how a body is read. For multipart bodies
// it also returns the boundary. A body the gateway does not read the way
// every backend in the package documentation could read it gets
// kindRefused and the refusal to give should it hold any byte.
func classify(h http.Header) (bodyKind, string, *problem.Error) {
	cts := h["Content-Type"]
	switch len(cts) {
	case 0:
		return kindRefused, "", problem.New(problem.BodyInvalid, "a request body without a Content-Type cannot be inspected")
	case 1:
	default:
		return kindRefused, "", problem.New(problem.BodyInvalid, "the request has more than one Content-Type header")
	}
	if ce := h["Content-Encoding"]; len(ce) > 1 || len(ce) == 1 && !strings.EqualFold(strings.TrimSpace(ce[0]), "identity") {
		return kindRefused, "", problem.New(problem.BodyInvalid, "an encoded request body cannot be inspected")
	}
	mt, ok := parseMediaType(cts[0])
	if !ok {
		return kindRefused, "", problem.New(problem.BodyInvalid, "the Content-Type header is not a single well-formed media type")
	}
	switch {
	case isJSON(mt.typ, mt.sub):
		if mt.boundary != nil || mt.charset != nil && !isUTF8(*mt.charset) {
			return kindRefused, "", problem.New(problem.BodyInvalid, "a JSON body must be UTF-8 with no other media type parameter")
		}
		return kindJSON, "", nil
	case mt.typ == "application" && mt.sub == "x-www-form-urlencoded":
		if mt.boundary != nil || mt.charset != nil && !formCharset(*mt.charset) {
			return kindRefused, "", problem.New(problem.BodyInvalid, "the form body's charset or parameters cannot be read the way every backend reads them")
		}
		return kindForm, "", nil
	case mt.typ == "multipart" && mt.sub == "form-data":
		if mt.boundary == nil || !validBoundary(*mt.boundary) || !mt.boundaryFirst || mt.charset != nil && !formCharset(*mt.charset) {
			return kindRefused, "", problem.New(problem.BodyInvalid, "the multipart Content-Type has no boundary every backend reads the same way")
		}
		return kindMultipart, *mt.boundary, nil
	}
	return kindRefused, "", problem.New(problem.BodyInvalid, "the gateway reads only JSON, urlencoded and multipart/form-data request bodies")
}

// isJSON reports whether a media type is one that some listed framework
// parses as JSON: Laravel's isJson takes any Content-Type containing
// "/json" or "+json", Rails adds text/x-json, Symfony application/x-json.
func isJSON(typ, sub string) bool {
	return strings.HasPrefix(sub, "json") || strings.Contains(typ, "+json") ||
		strings.Contains(sub, "+json") || sub == "x-json"
}

func isUTF8(cs string) bool { return cs == "utf-8" || cs == "utf8" }

// formCharset reports whether a form or multipart charset parameter is one
// in which an ASCII byte always stands for the same ASCII character, so
// that a key the gateway reads as ASCII is the key every backend decodes.
// UTF-16, UTF-7, EBCDIC and ISO-2022 are not.
func formCharset(cs string) bool {
	switch cs {
	case "utf-8", "utf8", "us-ascii", "iso-8859-1", "euc-kr", "ks_c_5601-1987", "cp949":
		return true
	}
	return false
}

// mediaType is a Content-Type read strictly: lower-cased type and subtype,
// and the two parameters the gateway accepts.
type mediaType struct {
	typ, sub string
	charset  *string // lower-cased
	boundary *string
	// boundaryFirst is set when the boundary parameter's name is the
	// first "boundary" in the header, as PHP (strstr) and Rack (a lazy
	// regular expression) look for it, and not, say, inside a value.
	boundaryFirst bool
}

// parseMediaType reads a Content-Type value strictly, so that every
// backend splits it the same way:
//
//	type "/" subtype *( ";" OWS name "=" ( token / quoted-string ) )
//
// with no comma anywhere (PHP, Rack and Rails stop the type at a comma,
// Laravel searches the whole header), no white space before a ';' or
// around '=', no backslash escapes, no parameter but charset and boundary,
// each at most once.
func parseMediaType(v string) (mediaType, bool) {
	var mt mediaType
	slash := strings.IndexByte(v, '/')
	if slash < 0 {
		return mt, false
	}
	end := len(v)
	if semi := strings.IndexByte(v, ';'); semi >= 0 {
		end = semi
	}
	if end < slash || !isToken(v[:slash]) || !isToken(v[slash+1:end]) {
		return mt, false
	}
	mt.typ, mt.sub = strings.ToLower(v[:slash]), strings.ToLower(v[slash+1:end])
	rest := v[end:]
	for len(rest) > 0 {
		// rest starts with ';'.
		i := 1
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		nameStart := len(v) - len(rest) + i
		eq := strings.IndexByte(rest[i:], '=')
		if eq < 0 {
			return mt, false
		}
		name := rest[i : i+eq]
		if !isToken(name) {
			return mt, false
		}
		rest = rest[i+eq+1:]
		var value string
		if strings.HasPrefix(rest, `"`) {
			q := strings.IndexByte(rest[1:], '"')
			if q < 0 {
				return mt, false
			}
			value, rest = rest[1:1+q], rest[2+q:]
			if !isQuotedText(value) {
				return mt, false
			}
		} else {
			n := 0
			for n < len(rest) && isTokenByte(rest[n]) {
				n++
			}
			if n == 0 {
				return mt, false
			}
			value, rest = rest[:n], rest[n:]
		}
		if len(rest) > 0 && rest[0] != ';' {
			return mt, false
		}
		switch strings.ToLower(name) {
		case "charset":
			if mt.charset != nil {
				return mt, false
			}
			cs := strings.ToLower(value)
			mt.charset = &cs
		case "boundary":
			if mt.boundary != nil {
				return mt, false
			}
			b := value
			mt.boundary = &b
			lower := strings.Index(v, "boundary")
			mt.boundaryFirst = indexFold(v, "boundary") == nameStart && (lower < 0 || lower == nameStart)
		default:
			return mt, false
		}
	}
	return mt, true
}

// indexFold is strings.Index with ASCII case ignored; sub must be lower
// case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// isToken reports whether s is an RFC 9110 token (httpguts checks field
// names, which are tokens, with the same table).
func isToken(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// isTokenByte reports whether c is an RFC 9110 tchar.
func isTokenByte(c byte) bool { return httpguts.IsTokenRune(rune(c)) }

// isQuotedText reports whether s may stand between the quotes of a
// parameter value: printable ASCII or UTF-8, no quote, no backslash (whose
// escapes backends undo differently) and no control character.
func isQuotedText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// validBoundary reports whether b is a multipart boundary that every
// backend delimits the same way: 1 to 70 characters from RFC 2046's bchars
// without space, ',' (Rack stops the boundary at a comma), the single quote and '='
// (Rack 2 takes the last "boundary=" in the header), quoted or not.
func validBoundary(b string) bool {
	if len(b) == 0 || len(b) > maxBoundary {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("()+_-./:?", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
