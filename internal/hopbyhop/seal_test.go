package hopbyhop

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestSealAppliesNominationsAndRemovesConnectionMachinery(t *testing.T) {
	r := readRequest(t, "POST /signup HTTP/1.1\r\nHost: h\r\n"+
		"Connection: Content-Type, close,x-custom , Upgrade, HTTP2-Settings\r\n"+
		"Upgrade: websocket\r\nHTTP2-Settings: AAMAAABk\r\n"+
		"Content-Type: application/json\r\nX-Custom: a\r\nX-Kept: b\r\nCookie: c=d\r\n"+
		"Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"+
		"2\r\n{}\r\n0\r\nX-Checksum: 1\r\n\r\n")
	Seal(r)
	want := http.Header{"X-Kept": {"b"}, "Cookie": {"c=d"}}
	if !reflect.DeepEqual(r.Header, want) {
		t.Fatalf("header after Seal = %v, want %v", r.Header, want)
	}
	if r.Trailer != nil {
		t.Fatalf("Trailer after Seal = %v, want nil", r.Trailer)
	}
	body, _ := io.ReadAll(r.Body)
	if string(body) != "{}" || r.Trailer != nil {
		t.Fatalf("body %q, trailers %v after reading: Seal must drop them for good", body, r.Trailer)
	}
}

func TestSealUsesTheProxysSpellingOfNominatedNames(t *testing.T) {
	// The proxy deletes a nominated name with http.Header.Del, which
	// canonicalises it; "content_type" names no header there, so Seal
	// keeps Content-Type too: the gateway judges what the proxy forwards.
	r := &http.Request{Header: http.Header{
		"Connection":   {"content_type, content-type"},
		"Content-Type": {"text/plain"},
		"Content_type": {"x"},
	}}
	Seal(r)
	if _, ok := r.Header["Content-Type"]; ok {
		t.Error("a Content-Type nominated as content-type survived")
	}
	r = &http.Request{Header: http.Header{"Connection": {"content_type"}, "Content-Type": {"text/plain"}}}
	Seal(r)
	if r.Header.Get("Content-Type") != "text/plain" {
		t.Error("content_type removed Content-Type, which the proxy would not do")
	}
}

func TestOpensTunnel(t *testing.T) {
	for method, want := range map[string]bool{
		http.MethodConnect: true, http.MethodPost: false, http.MethodGet: false, "connect": false,
	} {
		if got := OpensTunnel(&http.Request{Method: method}); got != want {
			t.Errorf("OpensTunnel(%s) = %v, want %v", method, got, want)
		}
	}
}

func TestCloseAfterRefusal(t *testing.T) {
	tests := []struct {
		name       string
		proto      int
		length     int64
		body       bool
		watch      bool
		read       int // bytes read through the watch; -1 reads to EOF
		wantClosed bool
	}{
		{"no body", 1, 0, false, false, 0, false},
		{"body, nothing watched", 1, 4, true, false, 0, true},
		{"chunked body, nothing watched", 1, -1, true, false, 0, true},
		{"watched, unread", 1, 4, true, true, 0, true},
		{"watched, partly read", 1, 4, true, true, 2, true},
		{"watched, read to the end", 1, 4, true, true, -1, false},
		{"HTTP/2, unread", 2, 4, true, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{ProtoMajor: tt.proto, ContentLength: tt.length, Body: http.NoBody, Header: http.Header{}}
			if tt.body {
				r.Body = io.NopCloser(strings.NewReader("body"))
			}
			var w *BodyWatch
			if tt.watch {
				w = Seal(r)
				if w == nil {
					t.Fatal("Seal returned no BodyWatch for a body")
				}
				switch {
				case tt.read < 0:
					_, _ = io.ReadAll(r.Body)
				case tt.read > 0:
					_, _ = io.ReadFull(r.Body, make([]byte, tt.read))
				}
			}
			h := http.Header{}
			CloseAfterRefusal(h, r, w)
			if got := h.Get("Connection") == "close"; got != tt.wantClosed {
				t.Fatalf("Connection: close set = %v, want %v", got, tt.wantClosed)
			}
		})
	}
	if Seal(&http.Request{Header: http.Header{}, Body: http.NoBody}) != nil {
		t.Error("Seal watched an empty body")
	}
}
