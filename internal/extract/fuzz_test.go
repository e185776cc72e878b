package extract

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// FuzzID checks that ID never panics, only ever returns a valid id, always
// leaves the body readable byte for byte, and judges JSON as encoding/json
// does.
func FuzzID(f *testing.F) {
	f.Add([]byte(`{"imp_uid":"imp_1"}`), jsonCT, "", false)
	f.Add([]byte(`{"a":[{"imp_uid":1}],"imp_uid":"imp_\u0031"}`), "application/problem+json; charset=utf-8", "imp_uid=imp_1", true)
	f.Add([]byte("imp_uid=imp_1&imp_uid=imp_1"), formCT, "a=1;b=2", false)
	f.Add([]byte(multipartBody(boundary, file("a", "a", "\x00\x01"), field("imp_uid", "imp_1"))), mpCT, "", true)
	f.Add([]byte("\xEF\xBB\xBF{}"), jsonCT, "imp_uid=imp_%31", false)
	f.Add([]byte("imp_uid=imp_1"), "text/plain", "imp_uid=imp_2", true)
	const maxBody = 4096
	f.Fuzz(func(t *testing.T, body []byte, contentType, query string, chunked bool) {
		length := int64(len(body))
		if chunked {
			length = -1
		}
		r := &http.Request{
			Method:        http.MethodPost,
			URL:           &url.URL{Path: "/", RawQuery: query},
			Header:        http.Header{"Content-Type": {contentType}},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: length,
		}
		id, perr := ID(r, Options{MaxBody: maxBody})
		if perr == nil && !certification.ValidImpUID(id) {
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
		bodyInvalid := perr != nil && perr.Code == problem.BodyInvalid
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
