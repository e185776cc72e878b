package extract

import (
	"bytes"
	"strings"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// maxPartValue is the most bytes of a multipart part named like the field
// that can be an id; a longer value is imp_uid_invalid.
const maxPartValue = 4 << 10

var (
	crlf      = []byte("\r\n")
	errFramed = problem.New(problem.BodyInvalid, "the multipart body is not framed the way every backend frames it")
)

// scanMultipart records every value of the field in a multipart/form-data
// body. The body must have the exact shape browsers and HTTP clients send,
// so that PHP, Rack, Django, Tomcat and the gateway all find the same
// parts with the same names:
//
//	"--" boundary CRLF part *( CRLF "--" boundary CRLF part ) CRLF "--" boundary "--" [CRLF]
//	part = *( header CRLF ) CRLF content
//
// with no preamble, no epilogue, no padding after a delimiter, no header
// folding, and "--" boundary appearing nowhere else in the body, not even
// inside a part (Django splits at any occurrence, PHP at any line that
// starts with it). Each part needs exactly one Content-Disposition that
// partName accepts, and no Content-Transfer-Encoding other than 7bit, 8bit
// or binary (Django decodes base64 fields, Go quoted-printable ones). Parts
// named like the field are read whether or not they carry a filename,
// since some backends read such parts as fields.
func scanMultipart(b []byte, boundary string, c *collector) *problem.Error {
	delim := []byte("\r\n--" + boundary)
	dash := delim[2:]
	if !bytes.HasPrefix(b, dash) || !bytes.HasPrefix(b[len(dash):], crlf) {
		return errFramed
	}
	rest := b[len(dash)+2:]
	parts := 0
	// The values are recorded once the whole body is known to be framed
	// as expected: a body some backend splits differently is body_invalid
	// whatever its parts hold.
	var values [][]byte
	for {
		cd, perr := partHeaders(&rest)
		if perr != nil {
			return perr
		}
		name, ok := partName(cd)
		if !ok {
			return problem.New(problem.BodyInvalid, "a multipart part's Content-Disposition is not form-data with one plain name")
		}
		end := bytes.Index(rest, delim)
		if end < 0 {
			return errFramed
		}
		content := rest[:end]
		rest = rest[end+2+len(dash):]
		parts++
		if c.matches(name) {
			values = append(values, content)
		}
		if bytes.HasPrefix(rest, crlf) {
			rest = rest[2:]
			continue
		}
		if !bytes.HasPrefix(rest, []byte("--")) {
			return errFramed
		}
		if rest = rest[2:]; len(rest) != 0 && !bytes.Equal(rest, crlf) {
			return errFramed
		}
		break
	}
	if countOverlapping(b, dash) != parts+1 {
		return problem.New(problem.BodyInvalid, "the multipart boundary appears inside a part")
	}
	for _, v := range values {
		if len(v) > maxPartValue {
			return problem.New(problem.ImpUIDInvalid, "the "+c.field+" in the multipart body is too long")
		}
		if perr := c.add(v, "in the multipart body"); perr != nil {
			return perr
		}
	}
	return nil
}

// partHeaders reads the header block of a part from *rest, leaving *rest
// at the part's content, and returns its Content-Disposition value.
func partHeaders(rest *[]byte) ([]byte, *problem.Error) {
	var cd []byte
	nCD, nCTE := 0, 0
	for {
		eol := bytes.Index(*rest, crlf)
		if eol < 0 {
			return nil, errFramed
		}
		line := (*rest)[:eol]
		*rest = (*rest)[eol+2:]
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 || !isToken(string(line[:colon])) {
			return nil, problem.New(problem.BodyInvalid, "a multipart part has a malformed header line")
		}
		value := bytes.Trim(line[colon+1:], " \t")
		for _, ch := range value {
			if ch < 0x20 && ch != '\t' || ch == 0x7f {
				return nil, problem.New(problem.BodyInvalid, "a multipart part header holds a control character")
			}
		}
		name := string(line[:colon])
		switch {
		case strings.EqualFold(name, "Content-Disposition"):
			nCD++
			cd = value
		case strings.EqualFold(name, "Content-Transfer-Encoding"):
			nCTE++
			v := string(value)
			if !strings.EqualFold(v, "7bit") && !strings.EqualFold(v, "8bit") && !strings.EqualFold(v, "binary") {
				return nil, problem.New(problem.BodyInvalid, "a multipart part is transfer-encoded")
			}
		}
	}
	if nCD != 1 || nCTE > 1 {
		return nil, problem.New(problem.BodyInvalid, "a multipart part lacks a single Content-Disposition header")
	}
	return cd, nil
}

// partName reads a part's Content-Disposition strictly and returns the
// part's name:
//
//	"form-data" *( OWS ";" OWS key "=" value ) OWS
//
// where key is name (required, non-empty), filename or filename* (RFC
// 8187), each at most once, and value a token without the single quote or a
// quoted-string without backslash, ';' or control characters (Rack 2
// finds the name with a greedy regular expression that would see a
// "; name=" inside a quoted filename). PHP ignores the
// disposition type and Rack and Django too, so another type is refused
// rather than skipped; name* would rename the part for Django only.
func partName(cd []byte) (name []byte, ok bool) {
	const formData = "form-data"
	if len(cd) < len(formData) || !strings.EqualFold(string(cd[:len(formData)]), formData) {
		return nil, false
	}
	rest := cd[len(formData):]
	var seenName, seenFile, seenExt bool
	for {
		rest = bytes.TrimLeft(rest, " \t")
		if len(rest) == 0 {
			break
		}
		if rest[0] != ';' {
			return nil, false
		}
		rest = bytes.TrimLeft(rest[1:], " \t")
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 {
			return nil, false
		}
		key := strings.ToLower(string(rest[:eq]))
		var seen *bool
		switch key {
		case "name":
			seen = &seenName
		case "filename":
			seen = &seenFile
		case "filename*":
			seen = &seenExt
		default:
			return nil, false
		}
		if *seen {
			return nil, false
		}
		*seen = true
		rest = rest[eq+1:]
		var value []byte
		switch {
		case key == "filename*":
			n := bytes.IndexAny(rest, " \t;")
			if n < 0 {
				n = len(rest)
			}
			if value, rest = rest[:n], rest[n:]; !extValue(value) {
				return nil, false
			}
		case len(rest) > 0 && rest[0] == '"':
			q := bytes.IndexByte(rest[1:], '"')
			if q < 0 {
				return nil, false
			}
			value, rest = rest[1:1+q], rest[2+q:]
			if !isQuotedText(string(value)) || bytes.IndexByte(value, ';') >= 0 {
				return nil, false
			}
		default:
			n := 0
			for n < len(rest) && isTokenByte(rest[n]) && rest[n] != '\'' {
				n++
			}
			if n == 0 {
				return nil, false
			}
			value, rest = rest[:n], rest[n:]
		}
		if key == "name" {
			name = value
		}
	}
	return name, len(name) > 0
}

// extValue reports whether v is an RFC 8187 ext-value: charset "'"
// [language] "'" then attr-chars and percent escapes, so that it holds
// exactly two quotes and no separator.
func extValue(v []byte) bool {
	first := bytes.IndexByte(v, '\'')
	if first <= 0 {
		return false
	}
	second := bytes.IndexByte(v[first+1:], '\'')
	if second < 0 {
		return false
	}
	if !isToken(string(v[:first])) || bytes.IndexByte(v[:first], '\'') >= 0 {
		return false
	}
	for _, ch := range v[first+1 : first+1+second] {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	for _, ch := range v[first+2+second:] {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~%", ch) >= 0) {
			return false
		}
	}
	return true
}

// countOverlapping counts the occurrences of sep in b, overlapping ones
// included.
func countOverlapping(b, sep []byte) int {
	n := 0
	for {
		i := bytes.Index(b, sep)
		if i < 0 {
			return n
		}
		n++
		b = b[i+1:]
	}
}
