package assertion

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/verigate/caddy-iamport/internal/clocktest"
	"github.com/verigate/caddy-iamport/internal/signing"
)

func edKey(t *testing.T) *signing.Key {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	k, err := signing.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestMiddlewarePassesOnlyVerifiedRequests(t *testing.T) {
	clock := clocktest.New(epoch)
	key := edKey(t)
	g := newGateway(t, key)
	v := verifier(t, g, clock)
	var seen *Identity
	h := v.Middleware("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = FromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	good := sign(t, key, clock, aud, nil)
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"verified", []string{good}, http.StatusNoContent},
		{"missing", nil, http.StatusUnauthorized},
		{"forged", []string{sign(t, edKey(t), clock, aud, nil)}, http.StatusUnauthorized},
		{"another audience", []string{sign(t, key, clock, "https://other.example", nil)}, http.StatusUnauthorized},
		{"two assertions", []string{good, good}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			req := httptest.NewRequest(http.MethodPost, "/signup", nil)
			for _, h := range tt.headers {
				req.Header.Add(DefaultHeader, h)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if (seen != nil) != (tt.want == http.StatusNoContent) {
				t.Fatalf("next saw identity %+v", seen)
			}
			if seen != nil && seen.CIHash != "ab12" {
				t.Fatalf("identity %+v", seen)
			}
		})
	}
}

func TestMiddlewareAnswers503WhenKeysCannotBeFetched(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	g := newGateway(t, key)
	g.set(func(g *gateway) { g.down = true })
	called := false
	h := verifier(t, g, clock).Middleware("X-Id", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Id", sign(t, key, clock, aud, nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" || called {
		t.Fatalf("status %d, Retry-After %q, next called %v", rec.Code, rec.Header().Get("Retry-After"), called)
	}
}
