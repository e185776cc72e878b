package extract

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// trackedBody is a request body that records whether it was closed and
// serves its bytes in small reads, as a network connection does.
type trackedBody struct {
	r      *bytes.Reader
	chunk  int
	closed bool
	err    error // returned once the bytes run out, instead of io.EOF
}

func (b *trackedBody) Read(p []byte) (int, error) {
	if b.r.Len() == 0 && b.err != nil {
		return 0, b.err
	}
	if b.chunk > 0 && len(p) > b.chunk {
		p = p[:b.chunk]
	}
	return b.r.Read(p)
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

// newRequest builds a server-side request. A length of -1 makes it look
// chunked (unknown length), as HTTP/1.1 chunked, HTTP/2 and HTTP/3 bodies
// without Content-Length do.
func newRequest(query, contentType string, body []byte, length int64) (*http.Request, *trackedBody) {
	tb := &trackedBody{r: bytes.NewReader(body), chunk: 1000}
	r := &http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Path: "/signup", RawQuery: query},
		Header:        http.Header{},
		Body:          tb,
		ContentLength: length,
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if length >= 0 {
		r.Header.Set("Content-Length", strconv.FormatInt(length, 10))
	} else {
		r.TransferEncoding = []string{"chunked"}
	}
	return r, tb
}

// post is newRequest with the length declared.
func post(query, contentType, body string) *http.Request {
	r, _ := newRequest(query, contentType, []byte(body), int64(len(body)))
	return r
}

// requireRestored reads r's body as the next handler would and fails unless
// it is exactly want, framed with a matching length.
func requireRestored(t *testing.T, r *http.Request, want []byte) {
	t.Helper()
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading restored body: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("restored body differs: got %d bytes, want %d", len(got), len(want))
	}
	if r.ContentLength != int64(len(want)) {
		t.Errorf("ContentLength = %d, want %d", r.ContentLength, len(want))
	}
	if h := r.Header.Get("Content-Length"); h != strconv.Itoa(len(want)) {
		t.Errorf("Content-Length header = %q, want %d", h, len(want))
	}
	if r.TransferEncoding != nil {
		t.Errorf("TransferEncoding = %v, want nil", r.TransferEncoding)
	}
}

func codeOf(e *problem.Error) problem.Code {
	if e == nil {
		return ""
	}
	return e.Code
}

// multipartBody builds a multipart/form-data body from raw parts, each a
// header block and content.
func multipartBody(boundary string, parts ...[2]string) string {
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString("--" + boundary + "\r\n" + p[0] + "\r\n\r\n" + p[1] + "\r\n")
	}
	sb.WriteString("--" + boundary + "--\r\n")
	return sb.String()
}

func field(name, value string) [2]string {
	return [2]string{`Content-Disposition: form-data; name="` + name + `"`, value}
}

func file(name, filename, content string) [2]string {
	return [2]string{`Content-Disposition: form-data; name="` + name + `"; filename="` + filename + `"` + "\r\nContent-Type: application/octet-stream", content}
}
