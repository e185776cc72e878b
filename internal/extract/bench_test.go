package extract

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// replayReader is a body a benchmark can rewind without allocating.
type replayReader struct{ bytes.Reader }

func (*replayReader) Close() error { return nil }

func BenchmarkID(b *testing.B) {
	pad := func(n int) string {
		head := `{"email":"a@example.com","password":"correct horse","imp_uid":"imp_123456789012","bio":"`
		return head + strings.Repeat("x", n-len(head)-2) + `"}`
	}
	form := "email=a%40example.com&password=correct+horse&name=%ED%99%8D%EA%B8%B8%EB%8F%99&imp_uid=imp_123456789012&agree=on"
	cases := []struct{ name, ct, body string }{
		{"json_1KiB", jsonCT, pad(1 << 10)},
		{"form", formCT, form},
		{"json_1MiB", jsonCT, pad(1 << 20)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			rr := &replayReader{}
			r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/signup"}, Header: http.Header{"Content-Type": {c.ct}}}
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				rr.Reset(body)
				r.Body = rr
				r.ContentLength = int64(len(body))
				if id, perr := ID(r, Options{}); perr != nil || id != "imp_123456789012" {
					b.Fatalf("ID() = %q, %v", id, perr)
				}
			}
		})
	}
}
