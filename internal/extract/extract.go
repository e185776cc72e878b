package extract

import (
	"net/http"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// ID returns the verification id carried by r, after opt.WithDefaults().
// It reads the query string and, for JSON, urlencoded and multipart
// content types, the body, which it then restores for the next handler.
// It refuses with imp_uid_missing when no non-empty value is found,
// imp_uid_invalid when a value fails opt.ValidID or is not a JSON string, imp_uid_conflict when two values differ, body_invalid when
// the body is of another type (or has none) or cannot be read or parsed,
// and body_too_large when it exceeds opt.MaxBody. The package
// documentation spells out each rule.
func ID(r *http.Request, opt Options) (string, *problem.Error) {
	opt = opt.WithDefaults()
	c := collector{field: opt.Field, valid: opt.ValidID}
	if r.URL != nil {
		if perr := scanQuery(r.URL.RawQuery, &c); perr != nil {
			return "", perr
		}
	}
	if hasBody(r) {
		kind, boundary, refusal := classify(r.Header)
		if refusal != nil && r.ContentLength > 0 {
			// Declared non-empty: refused without reading it.
			return "", refusal
		}
		body, perr := readBody(r, opt.MaxBody)
		if perr != nil {
			return "", perr
		}
		if len(body) > 0 {
			if refusal != nil {
				return "", refusal
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

// scanBody records the values of the field found in a non-empty body of
// the given kind.
func scanBody(kind bodyKind, body []byte, boundary string, c *collector) *problem.Error {
	switch kind {
	case kindJSON:
		return scanJSON(body, c)
	case kindForm:
		return scanForm(body, c)
	case kindMultipart:
		return scanMultipart(body, boundary, c)
	}
	return problem.New(problem.BodyInvalid, "the request body cannot be inspected")
}
