// Package extract finds the i'mport verification id (imp_uid) in a signup
// request and puts the request body back exactly as the client sent it.
//
// # Where the id is looked for
//
// The query string is always read. The body is read only for these content
// types: application/json and any application/*+json (a charset parameter
// other than UTF-8 is refused), application/x-www-form-urlencoded and
// multipart/form-data. A body of any other content type, or one with a
// Content-Encoding other than identity, is never read and is left untouched;
// for those only the query counts. A request with a body and more than one
// Content-Type header is refused as body_invalid, whatever the types,
// because a backend might pick a different one than the gateway did. A body
// that turns out to hold no bytes counts as no body.
//
// # Which keys count as the field
//
// A key counts as the field when it equals Options.Field after folding both
// with the rules lenient backends apply: ASCII case is ignored, '-', '.', ' '
// and '[' read as '_' (PHP turns "imp.uid" and "imp uid" into "imp_uid"), and
// other letters are compared the way Go's encoding/json compares field names
// (unicode.ToUpper(unicode.ToLower(r)), so "\u0131mp_uid" with a dotless i
// counts too). Treating such look-alikes as the field means no backend can
// read an id the gateway did not verify.
//
// # Values
//
// Every non-empty value found, in the query (split on both '&' and ';', since
// some backends split on ';'), in a repeated form field, in a repeated
// top-level JSON key or in a multipart part, must be the same string, or the
// request is refused with imp_uid_conflict. An empty value ("" in JSON,
// "imp_uid=" in a form) is treated as absent: it is neither an id nor a
// conflict, and a request whose only values are empty is imp_uid_missing.
// Each value is checked with certification.ValidImpUID as soon as it is found; one that fails
// is imp_uid_invalid. The query is decoded like any URL query, so
// "imp_%31" arrives as "imp_1" and is valid, the same value every backend
// sees. Only top-level JSON keys count; an "imp_uid" inside a nested object
// or array is ignored. A JSON value that is not a string is imp_uid_invalid.
// The first problem found wins, looking at the query before the body.
//
// # Body handling
//
// The body is read at most up to Options.MaxBody bytes (default 1 MiB). A
// declared Content-Length above the limit is refused as body_too_large
// without reading; a body without a declared length that turns out longer is
// refused the same way, as is a read that fails with *http.MaxBytesError (a
// limit set earlier, e.g. by Caddy's request_body). Any other read failure is
// body_invalid, with the cause kept for logs. After a complete read the
// request gets a body over exactly the bytes read, whose Close closes the
// original body, a matching ContentLength and Content-Length header, and no
// Transfer-Encoding, so that an upstream receives a correctly framed copy of
// a chunked request. When reading stops early, the bytes already read are
// put back in front of the rest of the original body.
//
// JSON is checked strictly: one object, nothing after it, valid UTF-8, no
// byte order mark, and at most 64 levels of nesting; anything else is
// body_invalid. The JSON is scanned in place without building a map. Form
// bodies must parse as Go's url.ParseQuery would (no ';' separators, valid
// percent escapes). In multipart bodies only parts whose name counts as the
// field are read, at most 4 KiB each (a longer value is imp_uid_invalid),
// even when they carry a filename, since some backends read such parts as
// fields; every other part, file or not, is skipped without being copied. A
// part without exactly one well-formed Content-Disposition is body_invalid.
package extract
