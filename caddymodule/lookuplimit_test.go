package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"
)

func TestLookupConcurrencySubdirective(t *testing.T) {
	tests := []struct {
		name, line string
		want       int    // when wantErr is ""
		wantErr    string // substring
	}{
		{"a number", "lookup_concurrency 8", 8, ""},
		{"the largest", "lookup_concurrency 10000", 10000, ""},
		{"zero", "lookup_concurrency 0", 0, "invalid lookup_concurrency"},
		{"negative", "lookup_concurrency -1", 0, "invalid lookup_concurrency"},
		{"too large", "lookup_concurrency 10001", 0, "invalid lookup_concurrency"},
		{"not a number", "lookup_concurrency many", 0, "invalid lookup_concurrency"},
		{"no value", "lookup_concurrency", 0, "wrong argument count"},
		{"two values", "lookup_concurrency 8 9", 0, "wrong argument count"},
		{"repeated", "lookup_concurrency 8\n\tlookup_concurrency 9", 0, "already specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Verify
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_verify {\n" + minimalBlock + "\t" + tt.line + "\n}"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "Testfile:") {
					t.Fatalf("error %v, want one naming the line and containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(v)
			if v.LookupConcurrency != tt.want || !strings.Contains(string(raw), `"lookup_concurrency":`) {
				t.Fatalf("LookupConcurrency %d (JSON %s), want %d", v.LookupConcurrency, raw, tt.want)
			}
		})
	}
}

// TestProvisionPoolsTheClientByLookupConcurrency: a handler without the
// field gets the client of lookup_concurrency 64; one with a negative value
// does not provision.
func TestProvisionPoolsTheClientByLookupConcurrency(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	const cfg = `{"api_key":"pool_key","api_secret":"pool_secret","api_base":"http://127.0.0.1:1","ci_hash_key":"k"}`
	v := new(Verify)
	if err := json.Unmarshal([]byte(cfg), v); err != nil {
		t.Fatal(err)
	}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	defer v.Cleanup()
	for _, tt := range []struct {
		concurrency int
		same        bool
	}{{DefaultLookupConcurrency, true}, {DefaultLookupConcurrency - 1, false}} {
		c, ref, err := loadClient("http://127.0.0.1:1", "pool_key", "pool_secret", DefaultTimeout, tt.concurrency, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		if got := any(c) == any(v.source); got != tt.same {
			t.Errorf("lookup_concurrency %d: same client as the default handler %v, want %v", tt.concurrency, got, tt.same)
		}
		_ = ref.release()
	}

	bad := new(Verify)
	_ = json.Unmarshal([]byte(strings.Replace(cfg, `{`, `{"lookup_concurrency":-3,`, 1)), bad)
	if err := bad.Provision(ctx); err == nil || !strings.Contains(err.Error(), "lookup concurrency -3") {
		t.Fatalf("Provision with lookup_concurrency -3: %v, want an error", err)
	}
	_ = bad.Cleanup()
}

// TestTwoSpellingsOfOneBaseShareTheClientAndTheStore proves api_base is
// normalised before it names the pooled client and the memory single-use
// store: with and without a trailing slash, two handlers share one client
// (one token, one limit of lookups in flight) and one store, so an id
// passes once per Caddy process as the README says, for both sources.
func TestTwoSpellingsOfOneBaseShareTheClientAndTheStore(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	for _, cfg := range []string{
		`{"api_key":"norm_key","api_secret":"norm_secret","api_base":%q,"ci_hash_key":"k"}`,
		`{"portone":{"api_secret":"norm_v2_secret","api_base":%q},"ci_hash_key":"k"}`,
	} {
		var vs []*Verify
		for _, base := range []string{"http://127.0.0.1:1/v1", "http://127.0.0.1:1/v1/"} {
			v := new(Verify)
			if err := json.Unmarshal([]byte(fmt.Sprintf(cfg, base)), v); err != nil {
				t.Fatal(err)
			}
			if err := v.Provision(ctx); err != nil {
				t.Fatal(err)
			}
			defer v.Cleanup()
			vs = append(vs, v)
		}
		if any(vs[0].source) != any(vs[1].source) || any(vs[0].store) != any(vs[1].store) {
			t.Errorf("%s: same client %v, same single-use store %v; want both", cfg, any(vs[0].source) == any(vs[1].source), any(vs[0].store) == any(vs[1].store))
		}
	}
}
