package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/verigate/caddy-iamport/internal/iamport"
	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// eventually waits, within a bound, for cond to hold: for work that a
// request starts in the background and that nothing else signals.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not true after 5 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOnlyServingStartsTheTokenFetch: provisioning a handler, and `caddy
// validate` of a config with the same credentials (which provisions and
// cleans up a second handler sharing the pooled client), start nothing and
// call nothing; the first request, an exempt GET, starts the warm-up, which
// fetches a token without any verification; Cleanup stops it.
func TestOnlyServingStartsTheTokenFetch(t *testing.T) {
	sb := sandbox.New(sandbox.Config{APIKey: "warm_key", APISecret: "warm_secret"})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	handlerJSON := `{"handler":"iamport_verify","api_key":"warm_key","api_secret":"warm_secret","api_base":"` + srv.URL +
		`","ci_hash_key":"k","verify":[{"method":["POST"]}]}`

	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	v := new(Verify)
	if err := json.Unmarshal([]byte(handlerJSON), v); err != nil {
		t.Fatal(err)
	}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	client := v.source.(*iamport.Client)

	cfgJSON := `{"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:0"],"routes":[{"handle":[` + handlerJSON + `]}]}}}}}`
	var cfg caddy.Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&cfg); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if client.Started() || sb.Stats().GetToken != 0 {
		t.Fatalf("after Provision and validate: started %v, %d getToken calls; want neither", client.Started(), sb.Stats().GetToken)
	}

	req := httptest.NewRequest(http.MethodGet, "/profile", nil)
	req = req.WithContext(context.WithValue(req.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
	passed := false
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { passed = true; return nil })
	if err := v.ServeHTTP(httptest.NewRecorder(), req, next); err != nil || !passed {
		t.Fatalf("exempt GET: err %v, passed %v", err, passed)
	}
	if !client.Started() {
		t.Fatal("the first request did not start the token fetch")
	}
	eventually(t, "the warm-up fetched a token", func() bool { return sb.Stats().GetToken == 1 })
	if s := sb.Stats(); s.Certifications != 0 {
		t.Fatalf("%d certification calls, want none", s.Certifications)
	}

	if err := v.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if client.Started() {
		t.Fatal("the token refresh still runs after the last handler's Cleanup")
	}
}
