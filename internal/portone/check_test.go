package portone

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/clocktest"
)

const notFoundBody = `{"type":"IDENTITY_VERIFICATION_NOT_FOUND","message":"없음"}`

// dated answers like h with a fixed Date header (or none, for "").
func dated(date string, status int, body string) handler {
	return func(w http.ResponseWriter, _ *http.Request, _ int32) {
		if date == "" {
			w.Header()["Date"] = nil // net/http then sends no Date
		} else {
			w.Header().Set("Date", date)
		}
		writeJSON(w, status, body)
	}
}

func TestCheckCredentialsAsksForAnIDThatCannotExistAndReadsTheDateHeader(t *testing.T) {
	serverTime := time.Date(2026, 8, 1, 10, 0, 7, 0, time.UTC)
	local := serverTime.Add(-7 * time.Second)
	f := newFake(t, dated(serverTime.Format(http.TimeFormat), http.StatusNotFound, notFoundBody))
	c, rec := testClient(t, f, func(cfg *Config) {
		cfg.StoreID = testStore
		cfg.Now = clocktest.New(local).Now
	})
	got, err := c.CheckCredentials(context.Background())
	if err != nil {
		t.Fatalf("CheckCredentials: %v", err)
	}
	want := certification.CredentialCheck{
		APIBase:   f.srv.URL,
		ClockSkew: 7*time.Second + 500*time.Millisecond,
		SkewError: 500 * time.Millisecond,
		ClockFrom: "the Date header",
	}
	if got != want {
		t.Fatalf("check = %+v, want %+v", got, want)
	}
	if _, err := c.CheckCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	idPath := regexp.MustCompile(`^/identity-verifications/caddy-iamport-credential-check-[A-Z2-7]{26}$`)
	for _, r := range reqs {
		if r.method != http.MethodGet || !idPath.MatchString(r.path) || r.auth != "PortOne "+testSecret || r.rawQuery != "storeId="+testStore {
			t.Fatalf("request %+v, want an authenticated GET of a random check id with the storeId", r)
		}
	}
	if len(reqs) != 2 || reqs[0].path == reqs[1].path {
		t.Fatalf("two checks asked for %v, want two different ids", reqs)
	}
	if calls := rec.got(); !equalStrings(calls, []string{"identity_verification/not_found", "identity_verification/not_found"}) {
		t.Fatalf("observed %v", calls)
	}
}

func TestCheckCredentialsFailures(t *testing.T) {
	now := time.Now().UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		answer   handler
		wantErr  error
		wantText string
	}{
		{"secret refused", dated(now, http.StatusUnauthorized, `{"type":"UNAUTHORIZED"}`), certification.ErrFailed, "api secret or store id refused"},
		{"store refused", dated(now, http.StatusForbidden, `{"type":"FORBIDDEN"}`), certification.ErrFailed, "api secret or store id refused"},
		{"a 404 that is not PortOne's", dated(now, http.StatusNotFound, `<html>no</html>`), certification.ErrFailed, "is api_base PortOne's V2 API?"},
		{"200 for an id that cannot exist", dated(now, http.StatusOK, `{}`), certification.ErrFailed, "cannot exist"},
		{"server error", dated(now, http.StatusBadGateway, `{}`), certification.ErrUnavailable, "status 502"},
		{"no Date header", dated("", http.StatusNotFound, notFoundBody), certification.ErrFailed, "no valid Date header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.answer)
			c, _ := testClient(t, f)
			got, err := c.CheckCredentials(context.Background())
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err %v, want %v mentioning %q", err, tt.wantErr, tt.wantText)
			}
			if got.APIBase != f.srv.URL {
				t.Fatalf("APIBase %q on failure, want %q", got.APIBase, f.srv.URL)
			}
			if strings.Contains(err.Error(), testSecret) || f.calls.Load() != 1 {
				t.Fatalf("error %q carries the secret, or %d calls (want 1, no retry)", err, f.calls.Load())
			}
		})
	}
}
