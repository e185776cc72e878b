package iamport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

func TestTokenTimesUseServerLifetimeAndCappedLeadAndMargin(t *testing.T) {
	local := localStart
	tests := []struct {
		name                   string
		now, exp               int64
		wantRefresh, wantUntil time.Duration // after local; ignored when !ok
		wantValid              bool
	}{
		{"30 min token: refreshed 45 s and dropped 15 s before expiry", serverNow, serverNow + 1800, 1755 * time.Second, 1785 * time.Second, true},
		{"server clock 30 years behind does not matter", 0, 1800, 1755 * time.Second, 1785 * time.Second, true},
		{"server clock ahead does not matter", 4102444800, 4102444800 + 1800, 1755 * time.Second, 1785 * time.Second, true},
		{"extended token (5 min 45 s left)", serverNow, serverNow + 345, 300 * time.Second, 330 * time.Second, true},
		{"60 s token: lead capped at 3/4 of it", serverNow, serverNow + 60, 15 * time.Second, 45 * time.Second, true},
		{"20 s token: margin half the lifetime", serverNow, serverNow + 20, 5 * time.Second, 10 * time.Second, true},
		{"1 s token", serverNow, serverNow + 1, 250 * time.Millisecond, 500 * time.Millisecond, true},
		{"absurd lifetime capped at 24 h", 0, 1 << 62, 24*time.Hour - 45*time.Second, 24*time.Hour - 15*time.Second, true},
		{"zero lifetime refused", serverNow, serverNow, 0, 0, false},
		{"negative lifetime refused", serverNow, serverNow - 5, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refresh, until, ok := tokenTimes(local, tt.now, tt.exp, DefaultTokenRefreshLead, DefaultTokenMargin)
			if ok != tt.wantValid {
				t.Fatalf("ok = %v, want %v", ok, tt.wantValid)
			}
			if !ok {
				return
			}
			if refresh.Sub(local) != tt.wantRefresh || until.Sub(local) != tt.wantUntil {
				t.Fatalf("refresh at local+%v, used until local+%v; want +%v, +%v",
					refresh.Sub(local), until.Sub(local), tt.wantRefresh, tt.wantUntil)
			}
		})
	}
}

// TestTokenRefetchedOnlyAtLocalExpiry proves reuse, skew safety and the
// margin end to end: the fake server's clock is 30 years behind the local one.
func TestTokenRefetchedOnlyAtLocalExpiry(t *testing.T) {
	tests := []struct {
		name           string
		lifetime       int64
		advance        time.Duration
		wantTokenCalls int32
	}{
		{"second lookup reuses the token", 1800, 0, 1},
		{"still cached just before lifetime minus 15 s", 1800, 1785*time.Second - time.Nanosecond, 1},
		{"refetched at lifetime minus 15 s", 1800, 1785 * time.Second, 2},
		{"short token cached until half its lifetime", 20, 10*time.Second - time.Nanosecond, 1},
		{"short token refetched at half its lifetime", 20, 10 * time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.lifetime.Store(tt.lifetime)
			c, clock, _ := testClient(t, f)
			if _, err := c.Lookup(context.Background(), testID); err != nil {
				t.Fatalf("first Lookup: %v", err)
			}
			clock.Advance(tt.advance)
			if _, err := c.Lookup(context.Background(), testID); err != nil {
				t.Fatalf("second Lookup: %v", err)
			}
			if got := f.tokenCalls.Load(); got != tt.wantTokenCalls {
				t.Fatalf("getToken calls = %d, want %d", got, tt.wantTokenCalls)
			}
			if got := f.certCalls.Load(); got != 2 {
				t.Fatalf("certification calls = %d, want 2", got)
			}
		})
	}
}

func TestDropTokenForcesRefetch(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f)
	for i := 0; i < 2; i++ {
		if _, err := c.Lookup(context.Background(), testID); err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		c.dropToken()
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("getToken calls = %d, want 2", got)
	}
}

func TestTokenFailuresMapToSentinels(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    error
		outcome string
	}{
		{"401 means credentials rejected", 401, `{"code":-1,"message":"x","response":null}`, certification.ErrFailed, apiclient.OutcomeUnauthorized},
		{"403 means credentials rejected", 403, `{}`, certification.ErrFailed, apiclient.OutcomeClientError},
		{"500 is unavailable and not retried", 500, `oops`, certification.ErrUnavailable, apiclient.OutcomeServerError},
		{"code 1 is failed", 200, `{"code":1,"message":"x","response":null}`, certification.ErrFailed, apiclient.OutcomeAPIError},
		{"null response is failed", 200, `{"code":0,"message":null,"response":null}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"malformed JSON is failed", 200, `{"code":0,`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"missing access_token is failed", 200, `{"code":0,"response":{"now":1,"expired_at":1801}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"missing now is failed", 200, `{"code":0,"response":{"access_token":"t","expired_at":1801}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"string now is failed", 200, `{"code":0,"response":{"access_token":"t","now":"1","expired_at":1801}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"token with CRLF is failed", 200, `{"code":0,"response":{"access_token":"t\r\nX: y","now":1,"expired_at":1801}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"zero lifetime is failed", 200, `{"code":0,"response":{"access_token":"t","now":1801,"expired_at":1801}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.token = func(w http.ResponseWriter, _ *http.Request, _ int32) { writeJSON(w, tt.status, tt.body) }
			c, _, rec := testClient(t, f)
			for i := 0; i < 2; i++ { // the failure is never cached
				if _, err := c.Lookup(context.Background(), testID); !errors.Is(err, tt.want) {
					t.Fatalf("Lookup error = %v, want %v", err, tt.want)
				}
			}
			if got := f.tokenCalls.Load(); got != 2 {
				t.Fatalf("getToken calls = %d, want 2 (one per lookup)", got)
			}
			if got := f.certCalls.Load(); got != 0 {
				t.Fatalf("certification calls = %d, want 0", got)
			}
			if got := rec.got()[0]; got != EndpointToken+"/"+tt.outcome {
				t.Fatalf("observed %q, want %q", got, EndpointToken+"/"+tt.outcome)
			}
		})
	}
}

func TestClosedServerIsUnavailableWithoutRetry(t *testing.T) {
	f := newFake(t)
	c, _, rec := testClient(t, f)
	f.srv.Close()
	_, err := c.Lookup(context.Background(), testID)
	if !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("Lookup error = %v, want ErrUnavailable", err)
	}
	if want := []string{"get_token/network_error"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}

// joinCounter returns a token-wait hook and a channel closed when the hook
// has run n times; later runs are counted but change nothing.
func joinCounter(n int32) (func(), <-chan struct{}) {
	var joined atomic.Int32
	all := make(chan struct{})
	return func() {
		if joined.Add(1) == n {
			close(all)
		}
	}, all
}

// TestColdCacheMakesOneTokenCall holds getToken open until all 50 lookups
// are about to join the shared call, then releases it.
func TestColdCacheMakesOneTokenCall(t *testing.T) {
	const n = 50
	f := newFake(t)
	release := make(chan struct{})
	f.token = func(w http.ResponseWriter, r *http.Request, k int32) {
		<-release
		f.defaultToken(w, r, k)
	}
	c, _, _ := testClient(t, f)
	var allJoined <-chan struct{}
	c.onTokenWait, allJoined = joinCounter(n)

	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := c.Lookup(context.Background(), testID)
			errs <- err
		}()
	}
	<-allJoined
	close(release)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("Lookup: %v", err)
		}
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("getToken calls = %d, want 1", got)
	}
	if got := f.certCalls.Load(); got != n {
		t.Fatalf("certification calls = %d, want %d", got, n)
	}
}

// TestCallerGivingUpDoesNotCancelSharedTokenFetch: the caller that started
// the getToken call leaves; the one still waiting gets the token.
func TestCallerGivingUpDoesNotCancelSharedTokenFetch(t *testing.T) {
	f := newFake(t)
	entered, release := make(chan struct{}), make(chan struct{})
	f.token = func(w http.ResponseWriter, r *http.Request, k int32) {
		close(entered)
		<-release
		f.defaultToken(w, r, k)
	}
	c, _, _ := testClient(t, f)
	var bothJoined <-chan struct{}
	c.onTokenWait, bothJoined = joinCounter(2)

	leaverCtx, leave := context.WithCancel(context.Background())
	leaverErr, stayerErr := make(chan error, 1), make(chan error, 1)
	go func() { _, err := c.Lookup(leaverCtx, testID); leaverErr <- err }()
	<-entered // the leaver's ctx is the one the shared call was started with
	go func() { _, err := c.Lookup(context.Background(), testID); stayerErr <- err }()
	<-bothJoined

	leave()
	if err := <-leaverErr; !errors.Is(err, certification.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("leaver error = %v, want ErrUnavailable wrapping context.Canceled", err)
	}
	close(release)
	if err := <-stayerErr; err != nil {
		t.Fatalf("stayer error = %v, want nil", err)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("getToken calls = %d, want 1", got)
	}
}

func TestSharedTokenFetchIsBoundedByTokenTimeout(t *testing.T) {
	f := newFake(t)
	f.token = func(_ http.ResponseWriter, r *http.Request, _ int32) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		<-r.Context().Done()
	}
	c, _, rec := testClient(t, f, func(cfg *Config) { cfg.TokenTimeout = time.Millisecond })
	_, err := c.Lookup(context.Background(), testID)
	if !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("Lookup error = %v, want ErrUnavailable", err)
	}
	if want := []string{"get_token/timeout"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}
