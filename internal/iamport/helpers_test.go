package iamport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

// Values that must never show up in logs or errors.
const (
	testKey    = "KEY-must-not-leak"
	testSecret = "SECRET-must-not-leak"
	testName   = "홍길동"
	testPhone  = "01099998888"
	testCI     = "CI-must-not-leak-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	testDI     = "DI-must-not-leak-abcdefghijklmnopqrstuvwxyz"
	testID     = "imp_429704826404"
)

// serverNow is the fake i'mport's clock: far from localStart on purpose.
var (
	serverNow  = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Unix()
	localStart = time.Date(2031, 6, 7, 8, 9, 10, 0, time.UTC)
)

// tokenFor is the token the fake issues on its n-th getToken call.
func tokenFor(n int32) string { return fmt.Sprintf("TOKEN-must-not-leak-%d", n) }

// danalRecord is a typical certification answer for testID.
var danalRecord = `{"imp_uid":"` + testID + `","merchant_uid":"mid_1","pg_tid":"202101172046340829382718",
"pg_provider":"danal","name":"` + testName + `","gender":"male","birth":325695600,"birthday":"1980-04-28",
"foreigner":false,"foreigner_v2":null,"phone":"` + testPhone + `","carrier":"SKT","certified":true,
"certified_at":1700000000,"unique_key":"` + testCI + `","unique_in_site":"` + testDI + `","origin":"about:blank"}`

// recorder is an Observer that keeps "endpoint/outcome" for each call, and
// a TokenObserver that keeps "path/outcome" for each getToken call and the
// waits of lookups that found no token.
type recorder struct {
	mu      sync.Mutex
	calls   []string
	fetches []string
	waits   []time.Duration
}

func (r *recorder) ObserveTokenFetch(path, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetches = append(r.fetches, path+"/"+outcome)
}

func (r *recorder) ObserveTokenWait(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
}

// tokenFetches returns the "path/outcome" of every getToken call so far.
func (r *recorder) tokenFetches() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fetches...)
}

// tokenWaits returns how many lookups waited for a token.
func (r *recorder) tokenWaits() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.waits)
}

func (r *recorder) ObserveCall(endpoint, outcome string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d < 0 {
		outcome += "(negative duration)"
	}
	r.calls = append(r.calls, endpoint+"/"+outcome)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// handler answers one call; n counts calls to that endpoint from 1.
type handler func(w http.ResponseWriter, r *http.Request, n int32)

// fakeIamport is an httptest server standing in for i'mport. By default it
// issues token N on getToken call N with a 1800 s lifetime and serves
// danalRecord to the latest token.
type fakeIamport struct {
	t          *testing.T
	srv        *httptest.Server
	tokenCalls atomic.Int32
	certCalls  atomic.Int32
	lifetime   atomic.Int64
	token      handler
	cert       handler

	mu        sync.Mutex
	certPaths []string
}

func newFake(t *testing.T) *fakeIamport {
	t.Helper()
	f := &fakeIamport{t: t}
	f.lifetime.Store(1800)
	f.token = f.defaultToken
	f.cert = f.defaultCert
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIamport) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/users/getToken"):
		f.token(w, r, f.tokenCalls.Add(1))
	case strings.Contains(r.URL.Path, "/certifications/"):
		f.mu.Lock()
		f.certPaths = append(f.certPaths, r.URL.EscapedPath())
		f.mu.Unlock()
		f.cert(w, r, f.certCalls.Add(1))
	default:
		writeJSON(w, http.StatusNotFound, `{"code":-1,"message":"no route","response":null}`)
	}
}

func (f *fakeIamport) defaultToken(w http.ResponseWriter, r *http.Request, n int32) {
	var body struct {
		Key    string `json:"imp_key"`
		Secret string `json:"imp_secret"`
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
		json.NewDecoder(r.Body).Decode(&body) != nil || body.Key != testKey || body.Secret != testSecret {
		writeJSON(w, http.StatusUnauthorized, `{"code":-1,"message":"bad credentials","response":null}`)
		return
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"code":0,"message":null,"response":{"access_token":%q,"now":%d,"expired_at":%d}}`,
		tokenFor(n), serverNow, serverNow+f.lifetime.Load()))
}

func (f *fakeIamport) defaultCert(w http.ResponseWriter, r *http.Request, _ int32) {
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer "+tokenFor(f.tokenCalls.Load()) {
		writeJSON(w, http.StatusUnauthorized, `{"code":-1,"message":"unauthorized","response":null}`)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/"+testID) {
		writeJSON(w, http.StatusNotFound, `{"code":-1,"message":"인증결과가 존재하지 않습니다.","response":null}`)
		return
	}
	writeJSON(w, http.StatusOK, `{"code":0,"message":null,"response":`+danalRecord+`}`)
}

func (f *fakeIamport) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.certPaths...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// testClient builds a Client for f with a fake clock and a recorder.
func testClient(t *testing.T, f *fakeIamport, mods ...func(*Config)) (*Client, *clocktest.Clock, *recorder) {
	t.Helper()
	clock := clocktest.New(localStart)
	rec := &recorder{}
	cfg := Config{BaseURL: f.srv.URL, Key: testKey, Secret: testSecret, Now: clock.Now, After: clock.After, Observer: rec}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, clock, rec
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// expiringCtx is a context whose deadline passes when the test says so,
// with no timer involved.
type expiringCtx struct {
	context.Context
	done chan struct{}
}

func newExpiringCtx() *expiringCtx {
	return &expiringCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiringCtx) expire()                     { close(c.done) }
func (c *expiringCtx) Done() <-chan struct{}       { return c.done }
func (c *expiringCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *expiringCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// dropToken forgets the cached token, so that the next lookup fetches one.
// (Lookups drop a refused token with dropTokenIf.)
func (c *Client) dropToken() {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	c.tokens.Delete(tokenKey)
}
