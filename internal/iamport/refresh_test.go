package iamport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/verigate/caddy-iamport/internal/clocktest"
	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// sandboxAdult is a sandbox identity every lookup below reads.
const sandboxAdult = "imp_100000000001"

// sandboxStart is a whole second, so the sandbox's Unix seconds and the
// client's clock agree exactly.
var sandboxStart = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// refreshRig is the sandbox as i'mport and a client sharing one test clock;
// lookups counts the lookups that had to wait for a token.
type refreshRig struct {
	t     *testing.T
	sb    *sandbox.Server
	clock *clocktest.Clock
	c     *Client
	rec   *recorder
}

func newRefreshRig(t *testing.T, mods ...func(*Config)) *refreshRig {
	t.Helper()
	clock := clocktest.New(sandboxStart)
	sb := sandbox.New(sandbox.Config{Now: clock.Now})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	cfg := Config{BaseURL: srv.URL, Key: sandbox.DefaultAPIKey, Secret: sandbox.DefaultAPISecret,
		Now: clock.Now, After: clock.After, Observer: rec}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &refreshRig{t: t, sb: sb, clock: clock, c: c, rec: rec}
}

// lookup reads the adult and fails the test on an error.
func (r *refreshRig) lookup() {
	r.t.Helper()
	if _, err := r.c.Lookup(context.Background(), sandboxAdult); err != nil {
		r.t.Fatalf("Lookup at %v: %v", r.clock.Now().Sub(sandboxStart), err)
	}
}

// fireTimer moves the clock to the refresh loop's pending timer and waits
// until the loop, having done what it was woken for, waits again. It
// returns how long the loop had been waiting.
func (r *refreshRig) fireTimer() time.Duration {
	r.t.Helper()
	r.clock.WaitPending(1)
	next, _ := r.clock.Next()
	waited := next.Sub(r.clock.Now())
	r.clock.Set(next)
	r.clock.WaitPending(1)
	return waited
}

func (r *refreshRig) getTokenCalls() int64 { return r.sb.Stats().GetToken }

// TestStartWarmsTheTokenWithoutALookup: nothing is fetched before Start;
// Start fetches a token in the background; the first lookup then makes
// only its certification call, and a second Start starts nothing.
func TestStartWarmsTheTokenWithoutALookup(t *testing.T) {
	r := newRefreshRig(t)
	if r.getTokenCalls() != 0 || r.clock.Pending() != 0 || r.c.Started() {
		t.Fatalf("before Start: %d getToken calls, %d timers, started %v; want none", r.getTokenCalls(), r.clock.Pending(), r.c.Started())
	}
	r.c.Start()
	r.clock.WaitPending(1) // the warm-up is done and the loop waits for the refresh
	if got := r.rec.tokenFetches(); !equalStrings(got, []string{"background/ok"}) {
		t.Fatalf("token fetches %v, want one in the background", got)
	}
	r.c.Start()
	r.lookup()
	if got, waits := r.getTokenCalls(), r.rec.tokenWaits(); got != 1 || waits != 0 {
		t.Fatalf("after the lookup: %d getToken calls, %d lookups waited; want 1 and 0", got, waits)
	}
	if r.clock.Pending() != 1 || !r.c.Started() {
		t.Fatalf("%d timers pending, started %v: want one refresh loop", r.clock.Pending(), r.c.Started())
	}
}

// TestRefreshExtendsTheTokenAheadOfEveryLookup runs through 20 of
// i'mport's extensions: each refresh lands inside the token's last minute,
// so each is one getToken that extends the same token by five minutes,
// and lookups just before and just after each refresh never wait.
func TestRefreshExtendsTheTokenAheadOfEveryLookup(t *testing.T) {
	const extensions = 20
	r := newRefreshRig(t)
	r.c.Start()
	r.clock.WaitPending(1)
	for i := 1; i <= extensions; i++ {
		next, _ := r.clock.Next()
		r.clock.Set(next.Add(-time.Nanosecond))
		r.lookup() // the latest moment before the refresh
		if waited := r.fireTimer(); waited != time.Nanosecond {
			t.Fatalf("extension %d: timer fired after %v", i, waited)
		}
		r.lookup()
		st := r.sb.TokenState()
		if st.Issued != 1 || st.Extended != int64(i) {
			t.Fatalf("extension %d: sandbox issued %d, extended %d; want 1 and %d", i, st.Issued, st.Extended, i)
		}
		if left := st.ExpiresAt.Sub(r.clock.Now()); left != 5*time.Minute+DefaultTokenRefreshLead {
			t.Fatalf("extension %d: token left %v after the refresh, want 5m45s", i, left)
		}
	}
	if got := r.getTokenCalls(); got != 1+extensions {
		t.Fatalf("getToken calls %d, want %d (the warm-up and one per extension)", got, 1+extensions)
	}
	if waits := r.rec.tokenWaits(); waits != 0 {
		t.Fatalf("%d lookups waited for a token, want none", waits)
	}
	for _, f := range r.rec.tokenFetches() {
		if f != "background/ok" {
			t.Fatalf("token fetch %q, want only background/ok", f)
		}
	}
}

// TestFailedRefreshKeepsTheValidToken: while getToken fails, lookups keep
// using the current token without waiting, the refresh is retried after
// 1, 2, 4 and 8 s, then sooner so that it comes back before the token
// stops being used; once getToken answers again the token is extended.
func TestFailedRefreshKeepsTheValidToken(t *testing.T) {
	r := newRefreshRig(t)
	r.c.Start()
	r.clock.WaitPending(1)
	if err := r.sb.SetFault(sandbox.Fault{Name: sandbox.FaultStatus503, Endpoint: sandbox.EndpointToken}); err != nil {
		t.Fatal(err)
	}
	if waited := r.fireTimer(); waited != 30*time.Minute-DefaultTokenRefreshLead {
		t.Fatalf("first refresh after %v, want 29m15s", waited)
	}
	// 45 s of the token's life were left at the first refresh; it is used
	// until 15 s are left, and each retry comes back before half of the
	// rest has passed.
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 7500 * time.Millisecond, 3750 * time.Millisecond}
	for i, w := range want {
		r.lookup()
		if waited := r.fireTimer(); waited != w {
			t.Fatalf("retry %d after %v, want %v", i+1, waited, w)
		}
	}
	r.lookup()
	r.sb.ClearFaults()
	r.fireTimer()
	r.lookup()
	if st := r.sb.TokenState(); st.Issued != 1 || st.Extended != 1 {
		t.Fatalf("sandbox issued %d, extended %d; want the same token extended once", st.Issued, st.Extended)
	}
	if got := r.getTokenCalls(); got != int64(2+len(want)+1) {
		t.Fatalf("getToken calls %d, want %d", got, 2+len(want)+1)
	}
	if waits := r.rec.tokenWaits(); waits != 0 {
		t.Fatalf("%d lookups waited for a token, want none", waits)
	}
}

// TestRefreshFailingPastTheMarginLeavesLookupsToFetch: when every attempt
// fails until the token is no longer used, a lookup fetches its own token
// (counted on the request path) and the loop goes back to the schedule of
// the token that lookup got.
func TestRefreshFailingPastTheMarginLeavesLookupsToFetch(t *testing.T) {
	r := newRefreshRig(t)
	r.c.Start()
	r.clock.WaitPending(1)
	if err := r.sb.SetFault(sandbox.Fault{Name: sandbox.FaultStatus500, Endpoint: sandbox.EndpointToken}); err != nil {
		t.Fatal(err)
	}
	for r.clock.Now().Before(sandboxStart.Add(30*time.Minute - DefaultTokenMargin)) {
		r.fireTimer()
	}
	r.sb.ClearFaults()
	r.lookup()
	if waits := r.rec.tokenWaits(); waits != 1 {
		t.Fatalf("%d lookups waited, want the one after the margin", waits)
	}
	fetches := r.rec.tokenFetches()
	if last := fetches[len(fetches)-1]; last != "request/ok" {
		t.Fatalf("last token fetch %q, want request/ok", last)
	}
	// The lookup's getToken came in i'mport's window and extended the
	// token; the loop wakes, sees that token and refreshes it when 45 s
	// of it are left.
	calls := r.getTokenCalls()
	for r.getTokenCalls() == calls {
		r.fireTimer()
	}
	st := r.sb.TokenState()
	if st.Issued != 1 || st.Extended != 2 {
		t.Fatalf("issued %d, extended %d; want 1 and 2", st.Issued, st.Extended)
	}
	// The lookup's fetch came 125 ms into a second; i'mport's answer is in
	// whole seconds, so the client thinks the token lasts up to 1 s longer
	// than it does, and refreshes 44.875 s before the true expiry.
	if left := st.ExpiresAt.Sub(r.clock.Now()) - 5*time.Minute; left <= DefaultTokenRefreshLead-time.Second || left > DefaultTokenRefreshLead {
		t.Fatalf("refreshed with %v left, want 44-45 s", left)
	}
	fetches = r.rec.tokenFetches()
	if last := fetches[len(fetches)-1]; last != "background/ok" {
		t.Fatalf("last token fetch %q, want background/ok", last)
	}
}

// TestUnextendedAnswerIsAskedAgainWithBackoff: an answer with the same
// token and expiry (here because this i'mport's extension window is only
// the last 30 s, so the refresh 45 s before expiry comes too early) is not
// a success: the loop asks again after 1, 2, 4 and 8 s, and the attempt
// that lands in the window extends the token.
func TestUnextendedAnswerIsAskedAgainWithBackoff(t *testing.T) {
	r := newRefreshRig(t)
	if err := r.sb.SetTokenRules(sandbox.TokenRules{Window: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.c.Start()
	r.clock.WaitPending(1)
	r.fireTimer() // 45 s before expiry: same token, same expiry
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if waited := r.fireTimer(); waited != want {
			t.Fatalf("attempt %d after %v, want %v", i+2, waited, want)
		}
		r.lookup()
	}
	if st := r.sb.TokenState(); st.Issued != 1 || st.Extended != 1 {
		t.Fatalf("sandbox issued %d, extended %d; want the token extended once, 30 s before expiry", st.Issued, st.Extended)
	}
	if got := r.getTokenCalls(); got != 6 {
		t.Fatalf("getToken calls %d, want 6", got)
	}
	if next, _ := r.clock.Next(); next.Sub(r.clock.Now()) != 5*time.Minute+30*time.Second-DefaultTokenRefreshLead {
		t.Fatalf("next refresh in %v, want 4m45s", next.Sub(r.clock.Now()))
	}
	if waits := r.rec.tokenWaits(); waits != 0 {
		t.Fatalf("%d lookups waited for a token, want none", waits)
	}
}

// TestLookupJoinsTheWarmUpInFlight: a lookup arriving while the warm-up's
// getToken is in flight waits for that call instead of making another.
func TestLookupJoinsTheWarmUpInFlight(t *testing.T) {
	f := newFake(t)
	entered, release := make(chan struct{}), make(chan struct{})
	f.token = func(w http.ResponseWriter, r *http.Request, n int32) {
		close(entered)
		<-release
		f.defaultToken(w, r, n)
	}
	c, _, rec := testClient(t, f)
	t.Cleanup(c.Close)
	var joined <-chan struct{}
	c.onTokenWait, joined = joinCounter(1)
	c.Start()
	<-entered
	errc := make(chan error, 1)
	go func() { _, err := c.Lookup(context.Background(), testID); errc <- err }()
	<-joined
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("getToken calls %d, want 1", got)
	}
	if got := rec.tokenFetches(); !equalStrings(got, []string{"background/ok"}) {
		t.Fatalf("token fetches %v, want the warm-up's only", got)
	}
	if rec.tokenWaits() != 1 {
		t.Fatalf("lookups that waited: %d, want 1", rec.tokenWaits())
	}
}

// TestBackgroundFetchIsBoundedByTokenTimeout: a getToken that hangs ends
// at the time budget and is retried later; it does not hold the loop.
func TestBackgroundFetchIsBoundedByTokenTimeout(t *testing.T) {
	r := newRefreshRig(t, func(cfg *Config) { cfg.TokenTimeout = time.Millisecond })
	if err := r.sb.SetFault(sandbox.Fault{Name: sandbox.FaultHang, Endpoint: sandbox.EndpointToken}); err != nil {
		t.Fatal(err)
	}
	r.c.Start()
	r.clock.WaitPending(1)
	if got := r.rec.tokenFetches(); !equalStrings(got, []string{"background/timeout"}) {
		t.Fatalf("token fetches %v, want one that timed out", got)
	}
	if next, _ := r.clock.Next(); next.Sub(r.clock.Now()) != time.Second {
		t.Fatalf("retry in %v, want 1s", next.Sub(r.clock.Now()))
	}
}

// TestCloseStopsTheRefresh: Close ends the loop (and waits for it), no
// call follows however far the clock moves, Start does nothing afterwards,
// and the goroutines come back to where they were.
func TestCloseStopsTheRefresh(t *testing.T) {
	r := newRefreshRig(t)
	before := runtime.NumGoroutine()
	r.c.Start()
	r.clock.WaitPending(1)
	r.lookup()
	r.c.Close()
	calls := r.getTokenCalls()
	r.clock.Advance(24 * time.Hour)
	r.c.Start()
	if r.c.Started() {
		t.Fatal("Started after Close")
	}
	if got := r.getTokenCalls(); got != calls {
		t.Fatalf("getToken calls went from %d to %d after Close", calls, got)
	}
	// The client's keep-alive connection ends asynchronously on the
	// server's side; wait for it within a bound.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		n := runtime.Stack(buf, true)
		if strings.Contains(string(buf[:n]), "refreshLoop") {
			t.Fatalf("the refresh loop outlived Close:\n%s", buf[:n])
		}
		t.Fatalf("goroutines before %d, after Close %d:\n%s", before, after, buf[:n])
	}
}

// TestCloseInterruptsAFetchInFlight: Close does not wait for a hanging
// getToken to reach its time budget (an hour here).
func TestCloseInterruptsAFetchInFlight(t *testing.T) {
	f := newFake(t)
	entered, testDone := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(testDone) }) // runs before the server's Close
	f.token = func(_ http.ResponseWriter, r *http.Request, _ int32) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		close(entered)
		select {
		case <-r.Context().Done():
		case <-testDone:
		}
	}
	c, _, rec := testClient(t, f, func(cfg *Config) { cfg.TokenTimeout = time.Hour })
	c.Start()
	<-entered
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second): // a bound on a hang, not a timing
		t.Fatal("Close waited for the hanging getToken")
	}
	if got := rec.tokenFetches(); !equalStrings(got, []string{"background/timeout"}) {
		t.Fatalf("token fetches %v, want the interrupted one", got)
	}
}

// TestBackgroundFailureIsLoggedWithoutSecrets: a failed background fetch
// is one warn line under the "token" logger saying the current token is
// kept, with the retry delay, and no key, secret or token in it.
func TestBackgroundFailureIsLoggedWithoutSecrets(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	f := newFake(t)
	c, clock, _ := testClient(t, f, func(cfg *Config) { cfg.Logger = zap.New(core) })
	t.Cleanup(c.Close)
	r := &refreshRig{t: t, clock: clock, c: c}
	c.Start()
	clock.WaitPending(1)
	f.token = func(w http.ResponseWriter, _ *http.Request, _ int32) {
		writeJSON(w, http.StatusUnauthorized, `{"code":-1,"message":"`+testSecret+`","response":null}`)
	}
	r.fireTimer()
	lines := logs.All()
	if len(lines) != 1 {
		t.Fatalf("%d lines at info or above, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	if l.Level != zapcore.WarnLevel || l.LoggerName != "token" || !strings.Contains(l.Message, "keeping the current token") {
		t.Fatalf("line %+v, want a warning of the token logger that the current token is kept", l)
	}
	if got := l.ContextMap()["retry_in"]; got != time.Second {
		t.Fatalf("retry_in = %v, want 1s", got)
	}
	text := l.Message + fmt.Sprint(l.ContextMap())
	for _, s := range []string{testKey, testSecret, "TOKEN-must-not-leak"} {
		if strings.Contains(text, s) {
			t.Fatalf("log line carries %q: %s", s, text)
		}
	}
}
