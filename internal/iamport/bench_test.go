package iamport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// memTransport answers in memory as i'mport would: no sockets.
type memTransport struct{ token, cert []byte }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := m.cert
	if strings.HasSuffix(r.URL.Path, "/users/getToken") {
		body = m.token
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json; charset=UTF-8"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// BenchmarkLookup measures a lookup with the token already cached.
func BenchmarkLookup(b *testing.B) {
	rt := memTransport{
		token: []byte(`{"code":0,"message":null,"response":{"access_token":"t0123456789abcdef","now":1000,"expired_at":2800}}`),
		cert:  []byte(`{"code":0,"message":null,"response":` + danalRecord + `}`),
	}
	c, err := New(Config{BaseURL: "https://api.iamport.test", Key: "k", Secret: "s", HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Lookup(ctx, testID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Lookup(ctx, testID); err != nil {
			b.Fatal(err)
		}
	}
}
