package identity

import (
	"net/http"
	"testing"
)

func BenchmarkStrip(b *testing.B) {
	f := NewFilter("X-Verified-")
	h := browserHeaders()
	b.ReportAllocs()
	for b.Loop() {
		if f.Strip(h) != 0 {
			b.Fatal("stripped a browser header")
		}
	}
}

func BenchmarkSet(b *testing.B) {
	v := fullValues()
	fields := AllFields()
	hs := NewHeaders(prefix)
	b.ReportAllocs()
	for b.Loop() {
		h := make(http.Header, 16)
		hs.Set(h, v, fields)
	}
}
