package extract

import (
	"mime"
	"net/http"
	"strings"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// bodyKind says how a body is read for the id.
type bodyKind int

const (
	kindNone bodyKind = iota // not read
	kindJSON
	kindForm
	kindMultipart
)

// ID returns the verification id carried by r, after opt.WithDefaults().
// It reads the query string and, for JSON and form content types, the
// body, which it then restores for the next handler. It refuses with
// imp_uid_missing when no non-empty value is found, imp_uid_invalid when a
// value fails certification.ValidImpUID or is not a JSON string, imp_uid_conflict when two
// values differ, body_invalid when the body cannot be read or parsed, and
// body_too_large when it exceeds opt.MaxBody. The package documentation
// spells out each rule.
func ID(r *http.Request, opt Options) (string, *problem.Error) {
	opt = opt.WithDefaults()
	c := collector{field: opt.Field}
	if r.URL != nil {
		if perr := scanQuery(r.URL.RawQuery, &c); perr != nil {
			return "", perr
		}
	}
	if hasBody(r) {
		kind, boundary, perr := classify(r.Header)
		if perr != nil {
			return "", perr
		}
		if kind != kindNone {
			body, perr := readBody(r, opt.MaxBody)
			if perr != nil {
				return "", perr
			}
			if perr := scanBody(kind, body, boundary, &c); perr != nil {
				return "", perr
			}
		}
	}
	if c.id == "" {
		return "", problem.New(problem.ImpUIDMissing, "the request carries no "+c.field)
	}
	return c.id, nil
}

// scanBody records the values of the field found in a body of the given
// kind. An empty body holds none.
func scanBody(kind bodyKind, body []byte, boundary string, c *collector) *problem.Error {
	if len(body) == 0 {
		return nil
	}
	switch kind {
	case kindJSON:
		return scanJSON(body, c)
	case kindForm:
		return scanForm(body, c)
	case kindMultipart:
		return scanMultipart(body, boundary, c)
	}
	return nil
}

// classify tells from the headers how the body is read, and for multipart
// bodies returns the boundary.
func classify(h http.Header) (bodyKind, string, *problem.Error) {
	cts := h["Content-Type"]
	if len(cts) == 0 {
		return kindNone, "", nil
	}
	if len(cts) > 1 {
		return kindNone, "", problem.New(problem.BodyInvalid, "the request has more than one Content-Type header")
	}
	ct := cts[0]
	base, params, _ := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	kind := kindNone
	switch {
	case isJSON(base):
		kind = kindJSON
	case strings.EqualFold(base, "application/x-www-form-urlencoded"):
		kind = kindForm
	case strings.EqualFold(base, "multipart/form-data"):
		kind = kindMultipart
	}
	if kind == kindNone {
		return kindNone, "", nil
	}
	if ce := h["Content-Encoding"]; len(ce) > 1 || len(ce) == 1 && !strings.EqualFold(strings.TrimSpace(ce[0]), "identity") {
		return kindNone, "", problem.New(problem.BodyInvalid, "an encoded request body cannot be inspected")
	}
	if kind == kindForm || kind == kindJSON && strings.TrimSpace(params) == "" {
		return kind, "", nil
	}
	_, p, err := mime.ParseMediaType(ct)
	if err != nil {
		return kindNone, "", problem.Wrap(problem.BodyInvalid, "the Content-Type header is malformed", err)
	}
	if kind == kindJSON {
		if cs, ok := p["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			return kindNone, "", problem.New(problem.BodyInvalid, "a JSON body must be UTF-8")
		}
		return kind, "", nil
	}
	b := p["boundary"]
	if !validBoundary(b) {
		return kindNone, "", problem.New(problem.BodyInvalid, "the multipart Content-Type has no valid boundary")
	}
	return kind, b, nil
}

// validBoundary reports whether b is a multipart boundary as RFC 2046
// section 5.1.1 allows: 1 to 70 characters from its bchars set, not ending
// in a space.
func validBoundary(b string) bool {
	if len(b) == 0 || len(b) > 70 || b[len(b)-1] == ' ' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("'()+_,-./:=? ", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// isJSON reports whether the media type is application/json or an
// application/*+json type.
func isJSON(mt string) bool {
	const app, suffix = "application/", "+json"
	if strings.EqualFold(mt, "application/json") {
		return true
	}
	return len(mt) > len(app)+len(suffix) &&
		strings.EqualFold(mt[:len(app)], app) &&
		strings.EqualFold(mt[len(mt)-len(suffix):], suffix)
}
