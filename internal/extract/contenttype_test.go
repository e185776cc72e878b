package extract

import (
	"net/http"
	"strings"
	"testing"
)

// TestContentTypeAllowlist proves how each Content-Type is read: the JSON
// aliases the frameworks parse, urlencoded and multipart/form-data as
// clients send them, and everything else refused.
func TestContentTypeAllowlist(t *testing.T) {
	const webkit = "----WebKitFormBoundaryu7EoHTjA4xuB2Grc"
	tests := []struct {
		name, ct string
		want     bodyKind
		boundary string
	}{
		{"JSON", "application/json", kindJSON, ""},
		{"JSON with charset as fetch and XHR send it", "application/json;charset=UTF-8", kindJSON, ""},
		{"JSON with spaced charset", "application/json; charset=utf-8", kindJSON, ""},
		{"JSON in upper case", "Application/JSON", kindJSON, ""},
		{"text/json (Laravel)", "text/json", kindJSON, ""},
		{"application/x-json (Symfony)", "application/x-json", kindJSON, ""},
		{"text/x-json (Rails)", "text/x-json", kindJSON, ""},
		{"application/jsonrequest (Rails)", "application/jsonrequest", kindJSON, ""},
		{"vendor +json (Spring, Laravel)", "application/vnd.api+json", kindJSON, ""},
		{"problem+json with charset", "application/problem+json; charset=utf-8", kindJSON, ""},
		{"form", formCT, kindForm, ""},
		{"form with charset as axios sends it", "application/x-www-form-urlencoded;charset=utf-8", kindForm, ""},
		{"form in EUC-KR", "application/x-www-form-urlencoded; charset=EUC-KR", kindForm, ""},
		{"multipart from Chromium", "multipart/form-data; boundary=" + webkit, kindMultipart, webkit},
		{"multipart from curl", "multipart/form-data; boundary=------------------------d74496d66958873e", kindMultipart, "------------------------d74496d66958873e"},
		{"multipart with a quoted boundary (.NET)", `multipart/form-data; boundary="c3f1a2b4-5d6e"`, kindMultipart, "c3f1a2b4-5d6e"},
		{"multipart with charset first (Spring)", "multipart/form-data;charset=UTF-8;boundary=AbC", kindMultipart, "AbC"},

		{"text/plain", "text/plain", kindRefused, ""},
		{"octet stream", "application/octet-stream", kindRefused, ""},
		{"XML", "application/xml", kindRefused, ""},
		{"multipart/mixed (Rack parses it)", "multipart/mixed; boundary=AbC", kindRefused, ""},
		{"multipart/related (Rack parses it)", "multipart/related; boundary=AbC", kindRefused, ""},
		{"comma-joined form and JSON", "application/x-www-form-urlencoded, application/json", kindRefused, ""},
		{"comma-joined JSON and text", "application/json,text/plain", kindRefused, ""},
		{"no subtype", "application", kindRefused, ""},
		{"space in the type", "application/json foo", kindRefused, ""},
		{"space before the semicolon", "application/json ; charset=utf-8", kindRefused, ""},
		{"trailing semicolon", "application/json;", kindRefused, ""},
		{"unknown parameter", "application/json; profile=x", kindRefused, ""},
		{"RFC 2231 parameter", "application/json; charset*=utf-8''utf-8", kindRefused, ""},
		{"repeated charset", "application/json; charset=utf-8; charset=utf-8", kindRefused, ""},
		{"JSON in UTF-16", "application/json; charset=utf-16", kindRefused, ""},
		{"JSON with a boundary", "application/json; boundary=x", kindRefused, ""},
		{"form in UTF-7", "application/x-www-form-urlencoded; charset=utf-7", kindRefused, ""},
		{"form in UTF-16", "application/x-www-form-urlencoded; charset=utf-16le", kindRefused, ""},
		{"form in ISO-2022-JP", "application/x-www-form-urlencoded; charset=iso-2022-jp", kindRefused, ""},
		{"multipart without boundary", "multipart/form-data", kindRefused, ""},
		{"multipart boundary with a space", `multipart/form-data; boundary="a b"`, kindRefused, ""},
		{"multipart boundary with a comma", `multipart/form-data; boundary="a,b"`, kindRefused, ""},
		{"multipart boundary with an equals sign", `multipart/form-data; boundary="a=b"`, kindRefused, ""},
		{"multipart boundary with a quote", `multipart/form-data; boundary="a'b"`, kindRefused, ""},
		{"multipart boundary with a backslash escape", `multipart/form-data; boundary="a\"b"`, kindRefused, ""},
		{"multipart boundary too long", "multipart/form-data; boundary=" + strings.Repeat("b", 71), kindRefused, ""},
		{"two boundaries", "multipart/form-data; boundary=a; boundary=b", kindRefused, ""},
		{"space before equals", "multipart/form-data; boundary =a", kindRefused, ""},
		{"PHP finds boundary in the value first", "multipart/form-data; Boundary=xboundaryx", kindRefused, ""},
		{"multipart in UTF-16", "multipart/form-data; boundary=a; charset=utf-16", kindRefused, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, b, perr := classify(http.Header{"Content-Type": {tt.ct}})
			if kind != tt.want || b != tt.boundary {
				t.Fatalf("classify(%q) = %v, %q, %v; want %v, %q", tt.ct, kind, b, perr, tt.want, tt.boundary)
			}
			if (kind == kindRefused) != (perr != nil) {
				t.Fatalf("classify(%q) kind %v with refusal %v", tt.ct, kind, perr)
			}
		})
	}
}

func TestContentTypeRefusals(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
	}{
		{"no Content-Type", http.Header{}},
		{"two Content-Type headers", http.Header{"Content-Type": {jsonCT, jsonCT}}},
		{"gzip encoded JSON", http.Header{"Content-Type": {jsonCT}, "Content-Encoding": {"gzip"}}},
		{"two encodings", http.Header{"Content-Type": {formCT}, "Content-Encoding": {"identity", "identity"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if kind, _, perr := classify(tt.h); kind != kindRefused || perr == nil {
				t.Fatalf("classify() = %v, %v; want a refusal", kind, perr)
			}
		})
	}
	if kind, _, perr := classify(http.Header{"Content-Type": {jsonCT}, "Content-Encoding": {"Identity"}}); kind != kindJSON || perr != nil {
		t.Fatalf("identity encoding: classify() = %v, %v; want JSON", kind, perr)
	}
}
