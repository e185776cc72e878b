package extract

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/iamport"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// FuzzID checks that ID never panics, only ever returns a valid id, always
// leaves the body readable byte for byte, never lets a non-empty body of a
// type it does not read pass, judges JSON as encoding/json does, and finds
// in every form and multipart body it accepts the values that
// url.ParseQuery and mime/multipart find there. An empty contentType
// means no Content-Type header.
func FuzzID(f *testing.F) {
	f.Add([]byte(`{"imp_uid":"imp_1"}`), jsonCT, "", false)
	f.Add([]byte(`{"a":[{"imp_uid":1}],"imp_uid":"imp_\u0031"}`), "application/problem+json; charset=utf-8", "imp_uid=imp_1", true)
	f.Add([]byte("imp_uid=imp_1&imp_uid=imp_1"), formCT, "a=1;b=2", false)
	f.Add([]byte(multipartBody(boundary, file("a", "a", "\x00\x01"), field("imp_uid", "imp_1"))), mpCT, "", true)
	f.Add([]byte("\xEF\xBB\xBF{}"), jsonCT, "imp_uid=imp_%31", false)
	f.Add([]byte("imp_uid=imp_1"), "text/plain", "imp_uid=imp_2", true)
	f.Add([]byte(`{"imp_uid":"imp_2"}`), "text/json", "imp_uid=imp_1", false)
	f.Add([]byte(`{"imp_uid":"imp_2"}`), "application/x-www-form-urlencoded, application/json", "imp_uid=imp_1", false)
	f.Add([]byte("imp_uid=imp_2"), "", "imp_uid=imp_1", false)
	f.Add([]byte("imp_uid=imp_1&+imp_uid=imp_2&imp+uid=imp_3&imp_uid%00x=imp_4&imp_uid[]=imp_5&IMP.UID=imp_6"), formCT, "", false)
	f.Add([]byte(`{"imp_uid":"imp_1","user":{"imp_uid":"imp_2"},"l":[{"IMP.UID":null}]}`), "application/vnd.api+json", "", true)
	f.Add([]byte(multipartBody(boundary, field("imp_uid", "imp_1"), [2]string{`Content-Disposition: attachment; name="imp_uid"`, "imp_2"})), mpCT, "", false)
	f.Add([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\n--XyZ\nContent-Disposition: form-data; name=\"imp_uid\"\r\n\r\nimp_2\r\n--XyZ--\r\n"), mpCT, "imp_uid=imp_1", false)
	const maxBody = 4096
	f.Fuzz(func(t *testing.T, body []byte, contentType, query string, chunked bool) {
		length := int64(len(body))
		if chunked {
			length = -1
		}
		r := &http.Request{
			Method:        http.MethodPost,
			URL:           &url.URL{Path: "/", RawQuery: query},
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: length,
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		kind, mpBoundary, _ := classify(r.Header)
		id, perr := ID(r, Options{MaxBody: maxBody})
		if perr == nil && !iamport.ValidImpUID(id) {
			t.Fatalf("ID() returned invalid id %q", id)
		}
		if perr != nil && id != "" {
			t.Fatalf("ID() returned id %q with refusal %v", id, perr)
		}
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("body not restored: err %v, got %q want %q", err, got, body)
		}
		if r.ContentLength >= 0 && r.ContentLength != int64(len(body)) {
			t.Fatalf("ContentLength = %d, body has %d bytes", r.ContentLength, len(body))
		}
		if r.ContentLength >= 0 && r.Header.Get("Content-Length") != "" && r.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("Content-Length header %q, body has %d bytes", r.Header.Get("Content-Length"), len(body))
		}
		if len(body) == 0 || len(body) > maxBody {
			return
		}
		if kind == kindRefused && perr == nil {
			t.Fatalf("a body of Content-Type %q was let through unread", contentType)
		}
		bodyInvalid := perr != nil && perr.Code == problem.BodyInvalid
		if perr == nil && kind == kindForm {
			vals, err := url.ParseQuery(string(body))
			if err != nil {
				t.Fatalf("form accepted that url.ParseQuery rejects: %v", err)
			}
			requireSameValues(t, vals, id)
		}
		if perr == nil && kind == kindMultipart {
			requireSameParts(t, body, mpBoundary, id)
		}
		if contentType == formCT {
			_, qerr := url.ParseQuery(string(body))
			if qerr == nil && bodyInvalid || qerr != nil && perr == nil {
				t.Fatalf("form body judged %v; url.ParseQuery says %v", perr, qerr)
			}
		}
		if contentType != jsonCT {
			return
		}
		// Only plain application/json bodies from here: compare with encoding/json.
		var obj map[string]json.RawMessage
		stdOK := json.Unmarshal(body, &obj) == nil && obj != nil && utf8.Valid(body) && !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF"))
		if stdOK && jsonDepth(body) <= maxDepth && bodyInvalid {
			t.Fatalf("valid JSON object refused: %v", perr)
		}
		if !stdOK && perr == nil {
			t.Fatalf("JSON encoding/json rejects was accepted, id %q", id)
		}
	})
}

// requireSameValues fails unless every value url.ParseQuery found under a
// key that counts as the field is empty or id.
func requireSameValues(t *testing.T, vals url.Values, id string) {
	t.Helper()
	c := collector{field: DefaultField}
	for k, vs := range vals {
		if !c.matches([]byte(k)) {
			continue
		}
		for _, v := range vs {
			if v != "" && v != id {
				t.Fatalf("url.ParseQuery finds %q under %q; the gateway passed %q", v, k, id)
			}
		}
	}
}

// requireSameParts fails unless mime/multipart reads the accepted body to
// the end and every part it names like the field holds id or nothing.
func requireSameParts(t *testing.T, body []byte, boundary, id string) {
	t.Helper()
	c := collector{field: DefaultField}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("mime/multipart rejects a body the gateway accepted: %v", err)
		}
		_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil {
			t.Fatalf("mime rejects an accepted Content-Disposition %q: %v", p.Header.Get("Content-Disposition"), err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("reading an accepted part: %v", err)
		}
		if c.matches([]byte(params["name"])) && len(v) > 0 && string(v) != id {
			t.Fatalf("mime/multipart finds %q in part %q; the gateway passed %q", v, params["name"], id)
		}
	}
}
