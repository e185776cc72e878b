package extract

import (
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// crlfLines joins lines with CRLF, as every client frames multipart.
func crlfLines(lines ...string) string { return strings.Join(lines, "\r\n") }

// TestMultipartFromRealClientsPasses replays the exact framing of the
// usual clients; each must yield the id, with a file part alongside.
func TestMultipartFromRealClientsPasses(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR--not-a-boundary\r\n-"
	tests := []struct{ name, ct, body string }{
		{"Chromium form with a file", "multipart/form-data; boundary=----WebKitFormBoundaryu7EoHTjA4xuB2Grc", crlfLines(
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc",
			`Content-Disposition: form-data; name="nick"`, "", "김철수",
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc",
			`Content-Disposition: form-data; name="avatar"; filename="me (1).png"`, "Content-Type: image/png", "", png,
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc",
			`Content-Disposition: form-data; name="empty"; filename=""`, "Content-Type: application/octet-stream", "", "",
			"------WebKitFormBoundaryu7EoHTjA4xuB2Grc--", "")},
		{"Firefox (old boundary)", "multipart/form-data; boundary=---------------------------3187637212617183461423183291", crlfLines(
			"-----------------------------3187637212617183461423183291",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"-----------------------------3187637212617183461423183291--", "")},
		{"Firefox (gecko boundary) with a quoted name", "multipart/form-data; boundary=----geckoformboundary2d1f9e3c7a0b4d5e", crlfLines(
			"------geckoformboundary2d1f9e3c7a0b4d5e",
			`Content-Disposition: form-data; name="a%22b"`, "", "x",
			"------geckoformboundary2d1f9e3c7a0b4d5e",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"------geckoformboundary2d1f9e3c7a0b4d5e--", "")},
		{"curl -F", "multipart/form-data; boundary=------------------------d74496d66958873e", crlfLines(
			"--------------------------d74496d66958873e",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"--------------------------d74496d66958873e",
			`Content-Disposition: form-data; name="doc"; filename="a.txt"`, "Content-Type: text/plain", "", "hello",
			"--------------------------d74496d66958873e--", "")},
		{"Python requests", "multipart/form-data; boundary=8f3c2b1a9d7e4f6a0b5c1d2e3f4a5b6c", crlfLines(
			"--8f3c2b1a9d7e4f6a0b5c1d2e3f4a5b6c",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"--8f3c2b1a9d7e4f6a0b5c1d2e3f4a5b6c--", "")},
		{"axios with form-data in Node", "multipart/form-data; boundary=--------------------------482907365910438271634812", crlfLines(
			"----------------------------482907365910438271634812",
			`Content-Disposition: form-data; name="imp_uid"`, "", "imp_1",
			"----------------------------482907365910438271634812--", "")},
		{".NET HttpClient (unquoted names, filename*)", `multipart/form-data; boundary="c3f1a2b4-5d6e"`, crlfLines(
			"--c3f1a2b4-5d6e",
			"Content-Type: text/plain; charset=utf-8",
			"Content-Disposition: form-data; name=imp_uid", "", "imp_1",
			"--c3f1a2b4-5d6e",
			"Content-Disposition: form-data; name=file; filename=a.txt; filename*=utf-8''a.txt", "", "data",
			"--c3f1a2b4-5d6e--", "")},
		{"Java client with 8bit transfer encoding, no final CRLF", "multipart/form-data; boundary=AbC", crlfLines(
			"--AbC",
			`Content-Disposition: form-data; name="imp_uid"`, "Content-Transfer-Encoding: 8bit", "", "imp_1",
			"--AbC--")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post("", tt.ct, tt.body)
			id, perr := ID(r, Options{})
			if perr != nil || id != "imp_1" {
				t.Fatalf("ID() = %q, %v; want imp_1", id, perr)
			}
			requireRestored(t, r, []byte(tt.body))
		})
	}
}

// TestMultipartShapesBackendsReadDifferentlyAreRefused proves every shape
// in which some backend would find other parts or other names than the
// gateway is refused, whatever the parts hold.
func TestMultipartShapesBackendsReadDifferentlyAreRefused(t *testing.T) {
	id1 := crlfLines("--XyZ", `Content-Disposition: form-data; name="imp_uid"`, "", "imp_1")
	part := func(headers ...string) string {
		return crlfLines(append(append([]string{"--XyZ"}, headers...), "", "imp_2")...)
	}
	end := "\r\n--XyZ--\r\n"
	tests := []struct {
		name, body string
		want       problem.Code
	}{
		{"attachment disposition (PHP, Rack, Django read it)", id1 + "\r\n" + part(`Content-Disposition: attachment; name="imp_uid"`) + end, problem.BodyInvalid},
		{"inline disposition", id1 + "\r\n" + part(`Content-Disposition: inline; name="x"`) + end, problem.BodyInvalid},
		{"no name (Rack names it by filename)", id1 + "\r\n" + part(`Content-Disposition: form-data; filename="imp_uid"`) + end, problem.BodyInvalid},
		{"empty name", id1 + "\r\n" + part(`Content-Disposition: form-data; name=""; filename="imp_uid"`) + end, problem.BodyInvalid},
		{"name* (Django decodes RFC 2231)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"; name*=utf-8''imp_uid`) + end, problem.BodyInvalid},
		{"unknown parameter", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"; size=3`) + end, problem.BodyInvalid},
		{"single-quoted name (PHP unquotes it)", id1 + "\r\n" + part(`Content-Disposition: form-data; name='imp_uid'`) + end, problem.BodyInvalid},
		{"backslash in the name (Rack drops it)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="imp\_uid"`) + end, problem.BodyInvalid},
		{"semicolon in a quoted filename (Rack 2 regex)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"; filename="a; name=imp_uid"`) + end, problem.BodyInvalid},
		{"repeated name parameter", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"; name="imp_uid"`) + end, problem.BodyInvalid},
		{"two Content-Disposition headers", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`, `Content-Disposition: form-data; name="imp_uid"`) + end, problem.BodyInvalid},
		{"no Content-Disposition, a Content-ID (Rack names it)", id1 + "\r\n" + part("Content-ID: imp_uid") + end, problem.BodyInvalid},
		{"base64 transfer encoding (Django decodes it)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`, "Content-Transfer-Encoding: base64") + end, problem.BodyInvalid},
		{"quoted-printable transfer encoding", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`, "Content-Transfer-Encoding: quoted-printable") + end, problem.BodyInvalid},
		{"folded header line", id1 + "\r\n" + part(`Content-Disposition: form-data;`, ` name="imp_uid"`) + end, problem.BodyInvalid},
		{"header without a colon", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`, "garbage") + end, problem.BodyInvalid},
		{"space before the header colon", id1 + "\r\n" + part(`Content-Disposition : form-data; name="imp_uid"`) + end, problem.BodyInvalid},
		{"preamble", "preamble\r\n" + id1 + end, problem.BodyInvalid},
		{"epilogue with a part (PHP keeps reading)", id1 + end + part(`Content-Disposition: form-data; name="imp_uid"`) + end, problem.BodyInvalid},
		{"padding after a delimiter", id1 + "\r\n--XyZ \r\n" + `Content-Disposition: form-data; name="x"` + "\r\n\r\ny" + end, problem.BodyInvalid},
		{"LF-only delimiter inside a part (PHP splits there)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`) + "\n--XyZ\n" + `Content-Disposition: form-data; name="imp_uid"` + "\r\n\r\nimp_2" + end, problem.BodyInvalid},
		{"boundary mid-line inside a part (Django splits there)", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`) + "x--XyZ\r\n" + end, problem.BodyInvalid},
		{"boundary inside a header value", id1 + "\r\n" + part(`Content-Disposition: form-data; name="x"`, "X-A: --XyZ") + end, problem.BodyInvalid},
		{"LF line endings throughout", strings.ReplaceAll(id1+end, "\r\n", "\n"), problem.BodyInvalid},
		{"no closing delimiter", id1 + "\r\n", problem.BodyInvalid},
		{"delimiter followed by garbage", id1 + "\r\n--XyZjunk\r\n", problem.BodyInvalid},
		{"NUL in a quoted name", id1 + "\r\n" + part("Content-Disposition: form-data; name=\"imp_uid\x00x\"") + end, problem.BodyInvalid},

		{"second part named like the field", id1 + "\r\n" + part(`Content-Disposition: form-data; name=" imp_uid"`) + end, problem.ImpUIDConflict},
		{"upper-case NAME parameter (PHP reads it)", id1 + "\r\n" + part(`Content-Disposition: form-data; NAME="imp_uid"`) + end, problem.ImpUIDConflict},
		{"FORM-DATA in upper case (PHP ignores the type)", id1 + "\r\n" + part(`Content-Disposition: FORM-DATA; name="imp_uid[]"`) + end, problem.ImpUIDConflict},
		{"file part named like the field", id1 + "\r\n" + part(`Content-Disposition: form-data; name="imp_uid"; filename="a.txt"`) + end, problem.ImpUIDConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post("", mpCT, tt.body)
			id, perr := ID(r, Options{})
			if codeOf(perr) != tt.want {
				t.Fatalf("ID() = %q, %v; want %s", id, perr, tt.want)
			}
			requireRestored(t, r, []byte(tt.body))
		})
	}
}
