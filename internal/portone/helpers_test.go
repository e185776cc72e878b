package portone

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Values that must never show up in logs or errors.
const (
	testSecret = "SECRET-must-not-leak"
	testStore  = "store-4f1c2a9e-0000-4000-8000-000000000001"
	testName   = "홍길동"
	testPhone  = "01099998888"
	testCI     = "CI-must-not-leak-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	testDI     = "DI-must-not-leak-abcdefghijklmnopqrstuvwxyz"
	testID     = "identity-verification-39ecfa97-must-not-leak"
)

// verifiedAt is the verifiedAt of verifiedBody.
var verifiedAt = time.Date(2026, 8, 1, 10, 15, 30, 0, time.UTC)

// verifiedBody is a Danal VERIFIED answer for testID with every field, as
// the V2 spec describes it.
const verifiedBody = `{"status":"VERIFIED","id":"` + testID + `",
 "channel":{"type":"TEST","pgProvider":"DANAL","pgMerchantId":"A010002002"},
 "verifiedCustomer":{"name":"` + testName + `","operator":"LGU_MVNO","phoneNumber":"` + testPhone + `",
   "birthDate":"1990-01-31","gender":"FEMALE","isForeigner":false,"ci":"` + testCI + `","di":"` + testDI + `"},
 "requestedAt":"2026-08-01T10:15:00Z","updatedAt":"2026-08-01T10:15:30Z","statusChangedAt":"2026-08-01T10:15:30Z",
 "verifiedAt":"2026-08-01T10:15:30Z","pgTxId":"tx","pgRawResponse":"raw","version":"V2"}`

// handler answers the n-th call (from 1) to the fake.
type handler func(w http.ResponseWriter, r *http.Request, n int32)

// fakePortOne is an httptest server standing in for PortOne V2.
type fakePortOne struct {
	srv   *httptest.Server
	calls atomic.Int32
	h     handler

	mu   sync.Mutex
	reqs []seen
}

// seen is what the fake recorded of one request.
type seen struct {
	method, rawPath, path, rawQuery, auth string
}

func newFake(t *testing.T, h handler) *fakePortOne {
	f := &fakePortOne{h: h}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.EscapedPath(), r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")})
		f.mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		f.h(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePortOne) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// answer is a handler that always writes status and body.
func answer(status int, body string) handler {
	return func(w http.ResponseWriter, _ *http.Request, _ int32) { writeJSON(w, status, body) }
}

// seq answers the n-th call with handlers[n-1] (the last one repeats).
func seq(handlers ...handler) handler {
	return func(w http.ResponseWriter, r *http.Request, n int32) {
		i := int(n) - 1
		if i >= len(handlers) {
			i = len(handlers) - 1
		}
		handlers[i](w, r, n)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// recorder is an Observer that records "endpoint/outcome" per call.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) ObserveCall(endpoint, outcome string, _ time.Duration) {
	r.mu.Lock()
	r.calls = append(r.calls, endpoint+"/"+outcome)
	r.mu.Unlock()
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// testClient returns a client of f with an observer; edits adjust the config.
func testClient(t *testing.T, f *fakePortOne, edits ...func(*Config)) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg := Config{BaseURL: f.srv.URL, Secret: testSecret, Observer: rec}
	for _, e := range edits {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c, rec
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}
