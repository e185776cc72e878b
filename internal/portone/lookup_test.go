package portone

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

func TestLookupReturnsTheNormalisedRecord(t *testing.T) {
	f := newFake(t, answer(200, verifiedBody))
	c, rec := testClient(t, f)
	got, err := c.Lookup(context.Background(), testID)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if got != fullRecord() {
		t.Fatalf("record = %+v\nwant     %+v", got, fullRecord())
	}
	if want := []string{"identity_verification/ok"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}

func TestLookupSendsTheDocumentedRequest(t *testing.T) {
	tests := []struct {
		name      string
		base      string
		store     string
		wantPath  string
		wantQuery string
	}{
		{"no store id: no query", "", "", "/identity-verifications/" + testID, ""},
		{"store id as storeId", "", testStore, "/identity-verifications/" + testID, "storeId=" + testStore},
		{"store id is query-escaped", "", "store a&b=c", "/identity-verifications/" + testID, "storeId=store+a%26b%3Dc"},
		{"base path prefix is kept, trailing slash ignored", "/v2/", "", "/v2/identity-verifications/" + testID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer(200, verifiedBody))
			c, _ := testClient(t, f, func(cfg *Config) { cfg.BaseURL = f.srv.URL + tt.base; cfg.StoreID = tt.store })
			if _, err := c.Lookup(context.Background(), testID); err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != http.MethodGet || r.rawPath != tt.wantPath || r.rawQuery != tt.wantQuery || r.auth != "PortOne "+testSecret {
				t.Fatalf("request = %+v; want GET %s?%s with Authorization PortOne <secret>", r, tt.wantPath, tt.wantQuery)
			}
		})
	}
}

func TestVerificationURLPathEscapesTheID(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.example", Secret: "s", StoreID: "st"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.verificationURL("a/../b c?d"), "https://api.example/identity-verifications/a%2F..%2Fb%20c%3Fd?storeId=st"; got != want {
		t.Fatalf("verificationURL = %q, want %q", got, want)
	}
}

func TestLookupRefusesAnInvalidIDBeforeAnyCall(t *testing.T) {
	f := newFake(t, answer(200, verifiedBody))
	c, rec := testClient(t, f)
	for _, id := range []string{"", "../identity-verifications", "a?storeId=other", strings.Repeat("a", MaxIDLength+1)} {
		if _, err := c.Lookup(context.Background(), id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Lookup(%q) error = %v, want ErrInvalidID", id, err)
		}
	}
	if n := f.calls.Load(); n != 0 || len(rec.got()) != 0 {
		t.Fatalf("made %d calls (observed %v), want none", n, rec.got())
	}
}

// TestLookupMapsEachErrorTypeAndRetriesOnlyServerErrors is the table of
// answers PortOne can give: the error each becomes, the calls it costs
// (a retry only after a 5xx) and the outcome observed.
func TestLookupMapsEachErrorTypeAndRetriesOnlyServerErrors(t *testing.T) {
	ok := answer(200, verifiedBody)
	tests := []struct {
		name      string
		h         handler
		want      error // nil: success
		wantCalls int32
		wantObs   []string
	}{
		{"404 IDENTITY_VERIFICATION_NOT_FOUND is not found",
			answer(404, `{"type":"IDENTITY_VERIFICATION_NOT_FOUND","message":"본인인증 건이 존재하지 않습니다."}`),
			certification.ErrNotFound, 1, []string{"identity_verification/not_found"}},
		{"404 without a V2 body (a wrong api_base) is a failure",
			answer(404, `<html>not found</html>`), certification.ErrFailed, 1, []string{"identity_verification/client_error"}},
		{"404 of another type is a failure",
			answer(404, `{"type":"IDENTITY_VERIFICATION_NOT_SENT"}`), certification.ErrFailed, 1, []string{"identity_verification/client_error"}},
		{"401 UNAUTHORIZED is a failure, not retried",
			answer(401, `{"type":"UNAUTHORIZED","message":"x"}`), certification.ErrFailed, 1, []string{"identity_verification/unauthorized"}},
		{"403 FORBIDDEN is a failure, not retried",
			answer(403, `{"type":"FORBIDDEN"}`), certification.ErrFailed, 1, []string{"identity_verification/unauthorized"}},
		{"400 INVALID_REQUEST is a failure, not retried",
			answer(400, `{"type":"INVALID_REQUEST"}`), certification.ErrFailed, 1, []string{"identity_verification/client_error"}},
		{"an unknown error type is a failure",
			answer(409, `{"type":"SOMETHING_NEW","message":"x"}`), certification.ErrFailed, 1, []string{"identity_verification/client_error"}},
		{"429 is a 4xx: a failure, not retried",
			answer(429, `{"type":"TOO_MANY_REQUESTS"}`), certification.ErrFailed, 1, []string{"identity_verification/client_error"}},
		{"500 then 200 passes after one retry",
			seq(answer(500, `{"type":"INTERNAL"}`), ok), nil, 2, []string{"identity_verification/server_error", "identity_verification/ok"}},
		{"503 twice is unavailable after one retry",
			answer(503, `{}`), certification.ErrUnavailable, 2, []string{"identity_verification/server_error", "identity_verification/server_error"}},
		{"502 then 404 is not found",
			seq(answer(502, ``), answer(404, `{"type":"IDENTITY_VERIFICATION_NOT_FOUND"}`)), certification.ErrNotFound, 2,
			[]string{"identity_verification/server_error", "identity_verification/not_found"}},
		{"a redirect is not followed and is a failure",
			func(w http.ResponseWriter, r *http.Request, _ int32) {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			},
			certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
		{"201 is an unexpected status", answer(201, verifiedBody), certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
		{"malformed JSON is a failure", answer(200, `{"status":"VERIFIED",`), certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
		{"an unknown status is a failure", answer(200, strings.Replace(verifiedBody, `"VERIFIED"`, `"PENDING"`, 1)),
			certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
		{"another id is a failure", answer(200, strings.Replace(verifiedBody, testID, "identity-verification-other", 1)),
			certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
		{"an answer over 1 MiB is a failure", answer(200, `{"status":"VERIFIED","pad":"`+strings.Repeat("x", apiclient.MaxAnswerBytes)+`"}`),
			certification.ErrFailed, 1, []string{"identity_verification/invalid_answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.h)
			c, rec := testClient(t, f)
			_, err := c.Lookup(context.Background(), testID)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if n := f.calls.Load(); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			if !equalStrings(rec.got(), tt.wantObs) {
				t.Errorf("observed %v, want %v", rec.got(), tt.wantObs)
			}
		})
	}
}

func TestLookupRetriesANetworkErrorOnceThenIsUnavailable(t *testing.T) {
	// A listener that accepts and closes every connection at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			conn.Close()
		}
	}()
	rec := &recorder{}
	// Keep-alives off, so that Go's transport does not retry by itself and
	// every attempt is one connection.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c, err := New(Config{BaseURL: "http://" + ln.Addr().String(), Secret: testSecret, Observer: rec, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lookup(context.Background(), testID)
	if !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if want := []string{"identity_verification/network_error", "identity_verification/network_error"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
	if len(accepted) != 2 {
		t.Fatalf("%d connections, want 2 (one retry)", len(accepted))
	}
}

func TestLookupGivesUpAtTheCallersDeadlineWithoutRetrying(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int32) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c, rec := testClient(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Lookup(ctx, testID)
	if !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if want := []string{"identity_verification/timeout"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v (no retry once the budget is spent)", rec.got(), want)
	}
}

func TestNewChecksTheConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"secret only, default base", Config{Secret: "s"}, true},
		{"empty secret", Config{}, false},
		{"blank secret", Config{Secret: "  "}, false},
		{"secret with a space", Config{Secret: "a b"}, false},
		{"secret with CRLF", Config{Secret: "a\r\nX: 1"}, false},
		{"secret with non-ASCII", Config{Secret: "비밀"}, false},
		{"ftp base", Config{Secret: "s", BaseURL: "ftp://x"}, false},
		{"base without host", Config{Secret: "s", BaseURL: "https://"}, false},
		{"base with user info", Config{Secret: "s", BaseURL: "https://u:p@x"}, false},
		{"base with query", Config{Secret: "s", BaseURL: "https://x/?a=1"}, false},
		{"base with fragment", Config{Secret: "s", BaseURL: "https://x/#f"}, false},
		{"base with path", Config{Secret: "s", BaseURL: "http://127.0.0.1:9/v2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New error = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (strings.Contains(err.Error(), "u:p") || strings.Contains(err.Error(), "a\r\n")) {
				t.Fatalf("error repeats the config: %v", err)
			}
		})
	}
}

// TestIdleConnectionsFollowInFlight proves the default client keeps one
// idle connection per lookup that may be in flight, as the i'mport client
// does per slot of its gate: with 32 (the old fixed pool) and a limit of
// 64, every burst threw half its connections away.
func TestIdleConnectionsFollowInFlight(t *testing.T) {
	for _, tt := range []struct{ inFlight, want int }{{0, 32}, {8, 32}, {64, 64}, {500, 500}} {
		c, err := New(Config{Secret: testSecret, InFlight: tt.inFlight})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.hc.Transport.(*http.Transport).MaxIdleConnsPerHost; got != tt.want {
			t.Errorf("%d in flight: %d idle connections per host, want %d", tt.inFlight, got, tt.want)
		}
	}
}
