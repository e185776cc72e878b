package iamport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// TestTransportErrorsDoNotCarryTheID checks that a network failure, whose
// net/http error text holds the whole request URL, reaches the caller
// without the imp_uid in it (callers log the error as the refusal's cause).
func TestTransportErrorsDoNotCarryTheID(t *testing.T) {
	f := newFake(t)
	f.cert = func(w http.ResponseWriter, _ *http.Request, _ int32) {
		// Drop the connection without an answer.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	c, _, _ := testClient(t, f)
	_, err := c.Lookup(context.Background(), testID)
	if !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), testID) || strings.Contains(err.Error(), "/certifications/") {
		t.Fatalf("error text carries the id or URL: %q", err)
	}
}

// TestTokenRefusedTwiceIsForgotten checks that after two 401s the second
// token is dropped too, so the next lookup fetches a fresh one at once.
func TestTokenRefusedTwiceIsForgotten(t *testing.T) {
	f := newFake(t)
	refuse := true
	f.cert = func(w http.ResponseWriter, r *http.Request, n int32) {
		if refuse {
			writeJSON(w, http.StatusUnauthorized, `{"code":-1,"message":"unauthorized","response":null}`)
			return
		}
		f.defaultCert(w, r, n)
	}
	c, _, _ := testClient(t, f)
	if _, err := c.Lookup(context.Background(), testID); !errors.Is(err, certification.ErrFailed) {
		t.Fatalf("err %v, want ErrFailed", err)
	}
	refuse = false
	if _, err := c.Lookup(context.Background(), testID); err != nil {
		t.Fatal(err)
	}
	// Two tokens for the refused lookup, one fresh one for the next; the
	// next lookup made exactly one certification call.
	if got := f.tokenCalls.Load(); got != 3 {
		t.Fatalf("getToken calls %d, want 3", got)
	}
	if got := f.certCalls.Load(); got != 3 {
		t.Fatalf("certification calls %d, want 3 (two refused, one ok)", got)
	}
}
