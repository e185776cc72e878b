// Package extract finds the verification id (an i'mport imp_uid or a
// PortOne V2 identityVerificationId) in a signup request and puts the
// request body back exactly as the client sent it.
//
// The gateway reads the id one way; the backend behind it reads the same
// bytes with its own framework. Wherever the two could differ, the gateway
// either reads the request the way the most lenient framework would or
// refuses it, so that no backend can hand its application an id the
// gateway did not check. The rules below follow from what the frameworks
// do, read in their own source (the table at the end).
//
// # Which bodies are read
//
// The query string is always read. A body that holds any byte is read only
// when it has exactly one Content-Type header that parses strictly (one
// type/subtype, no comma anywhere, no white space before ';' or around
// '=', no backslash escapes, no parameter but charset and boundary, each at
// most once), no Content-Encoding other than identity, and one of these
// types:
//
//   - JSON: every type a listed framework parses as JSON. That is any
//     subtype starting with "json" (Laravel's isJson takes any Content-Type
//     containing "/json": application/json, text/json,
//     application/jsonrequest), any type or subtype containing "+json"
//     (Laravel, Spring's application/*+json), and x-json (Rails'
//     text/x-json, Symfony's application/x-json). The only parameter
//     allowed is charset=utf-8.
//   - application/x-www-form-urlencoded, with at most a charset in which an
//     ASCII byte always means the same ASCII character (utf-8, us-ascii,
//     iso-8859-1, euc-kr, ks_c_5601-1987, cp949), so that the key bytes the
//     gateway compares are the key every backend decodes.
//   - multipart/form-data with a boundary of 1 to 70 characters from
//     A-Z a-z 0-9 ( ) + _ - . / : ? (quoted or not) that is the first
//     "boundary" in the header, and at most such a charset.
//
// Any other non-empty body is refused as body_invalid: one without a
// Content-Type (Rack parses a POST without one as a form, Symfony's
// getPayload decodes any body as JSON), text/plain, multipart/mixed
// (Rack parses any multipart type), a comma-joined second type (PHP, Rack
// and Rails take the first, Laravel finds "/json" in the second), a JSON
// charset other than UTF-8 (body-parser decodes UTF-16 and UTF-32), a form
// charset such as UTF-7 or UTF-16 (Django decodes keys with it), a
// compressed body (body-parser inflates it), or several Content-Type
// headers. A body declared non-empty is refused without being read; one of
// unknown length is read (within MaxBody) to learn whether it is empty,
// and a body that turns out to hold no bytes counts as no body.
//
// # Which keys count as the field
//
// A key counts as the field when, after the key is cut at its first NUL
// (PHP's names are C strings), either the whole key or any piece of it
// between '[', ']' and '.' equals Options.Field once both are folded:
// white space at both ends dropped (PHP drops leading spaces, Django strips
// multipart names with Python's str.strip, Rack drops spaces after '&'),
// one leading '!' dropped (Spring's WebDataBinder reads "!imp_uid" as the
// field's default value), '-', '.', ' ' and '[' read as '_' (PHP turns
// "imp.uid", "imp uid" and an unterminated "imp[uid" into "imp_uid"), and
// letters compared without case, the way Go's encoding/json compares
// field names (unicode.ToUpper(unicode.ToLower(r)), so "\u0131mp_uid" with
// a dotless i counts too). Form and query keys are percent-decoded first,
// '+' as a space, so "imp+uid", "%20imp_uid" and "imp_uid%00x" all count.
// Taking the pieces counts the nested spellings every form parser expands:
// "imp_uid[]" and "imp_uid[x]" (an array or hash named imp_uid in PHP,
// Rack and qs), "[imp_uid]" (qs drops the leading bracket), "imp_uid["
// (qs nests it), "user[imp_uid]" and "user.imp_uid" (Rails forms, qs with
// allowDots, Spring's binder). Case is ignored although none of the listed
// frameworks ignores it by default, because Go's encoding/json, ASP.NET
// model binding and Jackson's ACCEPT_CASE_INSENSITIVE_PROPERTIES do, and
// treating more keys as the field only makes the gateway stricter: a
// legitimate request never carries a second, different id under another
// spelling.
//
// In JSON the same rule applies to every object key at any depth, so
// {"user":{"imp_uid":"..."}} (Rails' wrapped parameters, Laravel's
// input("user.imp_uid")) is checked like a top-level key. A key that counts
// as the field must hold a string, wherever it is; any other value is
// imp_uid_invalid.
//
// # Values
//
// Every non-empty value found, in the query (split on both '&' and ';',
// since PHP can be configured to split on ';'), in a form body, under any
// JSON key or in a multipart part, must be the same string, or the request
// is refused with imp_uid_conflict: the frameworks pick different values
// among duplicates (PHP, Rack, Django's request.POST["x"] and
// JSON.parse the last, Tomcat's getParameter the first, qs and
// body-parser an array), so only agreement is safe. An empty value (""
// in JSON, "imp_uid=" in a form) is treated as absent: it is neither an id
// nor a conflict, and a request whose only values are empty is
// imp_uid_missing. Each value is checked with Options.ValidID, the
// configured source's id grammar (i'mport's imp_uid by default); one that
// fails is imp_uid_invalid. The query is decoded like any URL
// query, so "imp_%31" arrives as "imp_1" and is valid, the same value every
// backend sees. The first problem found wins, looking at the query before
// the body.
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
// percent escapes).
//
// Multipart bodies must have the exact framing browsers and HTTP clients
// produce, since PHP, Rack, Django, Tomcat and Go each recover a different
// set of parts from anything else: the body starts with "--" boundary CRLF
// (no preamble), every delimiter is CRLF "--" boundary followed by CRLF or,
// for the last, "--" and at most a CRLF (no padding, no epilogue: PHP keeps
// reading after the close), lines end in CRLF, headers are not folded, and
// "--" boundary appears nowhere else in the body (Django splits at any
// occurrence, PHP at an LF-only line). Each part has exactly one
// Content-Disposition of the form `form-data; name="..."` with optional
// filename and filename* parameters: another disposition type is refused,
// not skipped (PHP, Rack and Django ignore the type), as are a missing or
// empty name (Rack then names the part by its filename or Content-ID),
// name* (Django decodes RFC 2231), other parameters, a single-quoted or
// backslash-escaped value (PHP unquotes single quotes, Rack drops the
// backslash), and ';' inside a quoted value (Rack 2 finds the name with a
// greedy regular expression). A Content-Transfer-Encoding other than
// 7bit, 8bit or binary is refused (Django decodes base64 fields). Parts
// named like the field are read, at most 4 KiB each (a longer value is
// imp_uid_invalid), even when they carry a filename, since some backends
// read such parts as fields.
//
// # What the frameworks do
//
// Read in each framework's own source; each fact names its file. The same
// five questions for each: key names (query and urlencoded), multipart
// parts, JSON types, form types (with a missing or comma-joined
// Content-Type), and duplicate keys.
//
// PHP 8 (php/php-src):
//   - Keys: main/php_variables.c php_register_variable_ex drops leading
//     spaces, turns ' ' and '.' into '_' up to the first '[', ends the name
//     at a NUL (a C string after php_url_decode, which reads '+' as a
//     space), nests "a[]" and "a[b]", and turns an unterminated '[' into
//     '_'. Keys are case-sensitive.
//   - Multipart: main/rfc1867.c ignores the disposition type, matches the
//     name and filename parameters without case, takes both ' and " as
//     quotes, splits lines at LF, ends a value at any LF "--" boundary,
//     starts a part only at a line equal to "--" boundary (so it reads on
//     after the close delimiter), finds the boundary with strstr of
//     "boundary" in the Content-Type, and stops at a part with neither name
//     nor filename. Part names get the same mangling.
//   - Types: main/SAPI.c sapi_read_post_data lower-cases the Content-Type
//     and cuts it at ';', ',' or ' ', so "application/x-www-form-urlencoded,
//     application/json" fills $_POST; only urlencoded and multipart/form-data
//     are parsed, never JSON.
//   - Duplicates: the last value wins in $_POST; "a[]" collects them.
//
// Laravel 11 (laravel/framework) on Symfony HttpFoundation:
//   - Types: src/Illuminate/Http/Concerns/InteractsWithContentTypes.php
//     isJson is true for any Content-Type containing "/json" or "+json";
//     Request::input then reads the JSON body, else $_POST, with the body
//     winning over the query (src/Illuminate/Http/Request.php). Symfony's
//     Request::getPayload decodes any body as JSON when $_POST is empty,
//     and its format table maps json to application/json and
//     application/x-json (symfony/http-foundation Request.php).
//   - Keys and duplicates: PHP's, above; json_decode keeps the last
//     duplicate.
//
// Ruby on Rails 8 / Rack 3 (rails/rails, rack/rack):
//   - Keys: lib/rack/query_parser.rb takes the name before the first '['
//     (from index 1), nests "a[]", "a[b]" and "a[][b]", splits pairs at '&'
//     followed by any spaces, and decodes '+' and %XX.
//   - Multipart: lib/rack/multipart/parser.rb ignores the disposition type,
//     reads only a lower-case name= parameter, drops backslashes in quoted
//     values, and names a part without a name by its filename, or by its
//     Content-ID when it has no Content-Disposition.
//   - Types: lib/rack/request.rb form_data? parses a POST with no
//     Content-Type as a form, and any multipart/* type with a boundary
//     (PARSEABLE_DATA_MEDIA_TYPES: multipart/related, multipart/mixed);
//     lib/rack/media_type.rb cuts the type at ';' or ','. Rails parses JSON
//     for application/json and its synonyms text/x-json and
//     application/jsonrequest (actionpack mime_types.rb; content_mime_type
//     takes /^([^,;]*)/, the first of comma-joined types, in
//     action_dispatch/http/mime_negotiation.rb), and wraps JSON parameters
//     under the model name.
//   - Duplicates: the last value wins; "a[]" collects them.
//
// Express (expressjs/body-parser 2, ljharb/qs 6):
//   - Keys: lib/types/urlencoded.js uses qs; extended mode (the default in
//     body-parser 1, opt-in in 2) splits a key at '[' and nests "a[]" and
//     "a[b]" up to a depth limit, reads "[a]" as a (qs lib/parse.js
//     splitKeyIntoSegments and parseObject), decodes "%5B" before
//     splitting, and reads '+' as a space; allowDots (off by default)
//     nests "a.b".
//   - Types: lib/types/json.js parses application/json only (type-is;
//     a comma-joined type does not parse), with any "utf-" charset;
//     urlencoded accepts charset utf-8 or iso-8859-1. body-parser inflates
//     gzip and deflate bodies. It does not parse multipart.
//   - Duplicates: qs and querystring return an array of all values;
//     JSON.parse keeps the last.
//
// Django 5 (django/django):
//   - Keys: django/http/request.py QueryDict keeps names as sent.
//   - Multipart: django/http/multipartparser.py takes any
//     Content-Disposition as a field or file whatever its type, strips the
//     name (str.strip), decodes RFC 2231 name*, decodes a base64
//     Content-Transfer-Encoding, and splits at any occurrence of "--"
//     boundary.
//   - Types: request.POST is filled for POST only, when the whole
//     Content-Type before ';' is exactly multipart/form-data or
//     application/x-www-form-urlencoded (UTF-8 only), so a comma-joined
//     type is not parsed; JSON only through DRF or django/http/parsers.py
//     (application/json).
//   - Duplicates: request.POST["a"] is the last value, getlist all.
//
// Spring MVC on Tomcat (spring-projects/spring-framework, apache/tomcat):
//   - Keys: Tomcat keeps names as sent; Spring's WebDataBinder reads "!a"
//     as the default value of field a and "_a" as a field marker, and binds
//     "a.b" and "a[0]" as nested properties.
//   - Types: java/org/apache/catalina/connector/Request.java
//     parseParameters cuts the Content-Type at ';' and compares it exactly
//     with multipart/form-data and application/x-www-form-urlencoded (POST
//     only by default); JSON converters read application/json and
//     application/*+json (spring-web Jackson and Gson converters).
//   - Duplicates: getParameter returns the first value (query before
//     body); a @RequestParam String joins them with ','. Jackson keeps the
//     last duplicate key.
//
// Cookies are not read: PHP's $_REQUEST includes them only when
// request_order is unset, which the php.ini files PHP ships set to "GP".
package extract
