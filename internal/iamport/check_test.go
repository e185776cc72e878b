package iamport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

func TestCheckCredentialsReportsLifetimeAndSkewFromIamportsAnswer(t *testing.T) {
	f := newFake(t)
	f.lifetime.Store(1234)
	c, _, rec := testClient(t, f)
	got, err := c.CheckCredentials(context.Background())
	if err != nil {
		t.Fatalf("CheckCredentials: %v", err)
	}
	// The fake clock does not move, so the round trip takes no time and
	// i'mport's instant is the middle of its second.
	wantSkew := time.Unix(serverNow, 0).Add(500 * time.Millisecond).Sub(localStart)
	want := certification.CredentialCheck{
		APIBase:       f.srv.URL,
		TokenLifetime: 1234 * time.Second,
		ClockSkew:     wantSkew,
		SkewError:     500 * time.Millisecond,
		ClockFrom:     "i'mport's now",
	}
	if got != want {
		t.Fatalf("check = %+v, want %+v", got, want)
	}
	if calls := rec.got(); len(calls) != 1 || calls[0] != "get_token/ok" {
		t.Fatalf("calls %v, want one get_token/ok", calls)
	}
}

// TestCheckCredentialsNeitherUsesNorFillsTheTokenCache proves that every
// check is a round trip of its own and that the token lookups use is left
// as it was.
func TestCheckCredentialsNeitherUsesNorFillsTheTokenCache(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f)
	if _, err := c.CheckCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.cachedEntry(); ok {
		t.Fatal("a check filled the token cache")
	}
	if _, err := c.Lookup(context.Background(), testID); err != nil {
		t.Fatal(err)
	}
	entry, ok := c.cachedEntry()
	cached := entry.value
	if !ok || cached != tokenFor(2) {
		t.Fatalf("cached token %q, want the lookup's %q", cached, tokenFor(2))
	}
	if _, err := c.CheckCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.tokenCalls.Load(); got != 3 {
		t.Fatalf("getToken calls %d, want 3 (check, lookup, check)", got)
	}
	if now, _ := c.cachedEntry(); now.value != cached {
		t.Fatalf("a check replaced the cached token")
	}
}

func TestCheckCredentialsFailures(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(w http.ResponseWriter)
		wantErr  error
		wantText string
	}{
		{"credentials rejected", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusUnauthorized, `{"code":-1,"message":"bad","response":null}`)
		}, certification.ErrFailed, "credentials rejected"},
		{"server error", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusServiceUnavailable, `{}`)
		}, certification.ErrUnavailable, "status 503"},
		{"zero lifetime", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, fmt.Sprintf(`{"code":0,"response":{"access_token":"t","now":%d,"expired_at":%d}}`, serverNow, serverNow))
		}, certification.ErrFailed, "lifetime"},
		{"no now", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, `{"code":0,"response":{"access_token":"t","expired_at":5}}`)
		}, certification.ErrFailed, "lacks"},
		{"non-zero code", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, `{"code":1,"response":null}`)
		}, certification.ErrFailed, "code 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.token = func(w http.ResponseWriter, _ *http.Request, _ int32) { tt.answer(w) }
			c, _, _ := testClient(t, f)
			got, err := c.CheckCredentials(context.Background())
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err %v, want %v mentioning %q", err, tt.wantErr, tt.wantText)
			}
			if got.APIBase != f.srv.URL {
				t.Fatalf("APIBase %q on failure, want %q", got.APIBase, f.srv.URL)
			}
			for _, secret := range []string{testKey, testSecret} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error carries a secret: %v", err)
				}
			}
		})
	}
}
