package caddymodule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// TestCleanupLeavesNoGoroutineBehind provisions a handler with the memory
// single-use store, runs one verification through it (so the i'mport client
// holds a keep-alive connection and the store its sweeper), cleans it up,
// and checks that the goroutine count comes back to where it started.
func TestCleanupLeavesNoGoroutineBehind(t *testing.T) {
	sb := httptest.NewServer(sandbox.New(sandbox.Config{APIKey: "cleanup_key", APISecret: "cleanup_secret"}))
	defer sb.Close()
	before := runtime.NumGoroutine()

	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	v := &Verify{APIKey: "cleanup_key", APISecret: "cleanup_secret", CIHashKey: "k", APIBase: sb.URL}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}

	req := httptest.NewRequest(http.MethodPost, "/signup", strings.NewReader(`{"imp_uid":"imp_100000000001"}`))
	req.Header.Set("Content-Type", "application/json")
	repl := caddy.NewReplacer()
	req = req.WithContext(context.WithValue(req.Context(), caddy.ReplacerCtxKey, repl))
	rec := httptest.NewRecorder()
	passed := false
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { passed = true; return nil })
	if err := v.ServeHTTP(rec, req, next); err != nil || !passed {
		t.Fatalf("verification: err %v, passed %v, answer %d %s", err, passed, rec.Code, rec.Body)
	}
	if during := runtime.NumGoroutine(); during <= before {
		t.Fatalf("goroutines during use %d, before %d: the test would prove nothing", during, before)
	}

	if err := v.Cleanup(); err != nil {
		t.Fatal(err)
	}
	cancel()

	// Goroutines finish asynchronously once told to stop; wait for the
	// count to come back, within a bound. The sandbox server stays up, so
	// its side of a keep-alive connection ends only if the client closed it.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		n := runtime.Stack(buf, true)
		t.Fatalf("goroutines before %d, after cleanup %d:\n%s", before, after, buf[:n])
	}
}
