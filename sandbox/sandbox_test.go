package sandbox

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestSandboxRegistersItsModule(t *testing.T) {
	if _, err := caddy.GetModule("http.handlers.iamport_sandbox"); err != nil {
		t.Fatal(err)
	}
}

func TestSandboxCaddyfile(t *testing.T) {
	var s Sandbox
	if err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_sandbox {\n\tapi_key k\n\tapi_secret s\n}")); err != nil {
		t.Fatal(err)
	}
	if s.APIKey != "k" || s.APISecret != "s" {
		t.Fatalf("got %+v", s)
	}
	var v2 Sandbox
	if err := v2.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_sandbox {\n\tportone {\n\t\tapi_secret p\n\t\tstore_id st\n\t}\n\tapi_key k\n}")); err != nil {
		t.Fatal(err)
	}
	if v2.APIKey != "k" || v2.PortOne == nil || *v2.PortOne != (PortOne{APISecret: "p", StoreID: "st"}) {
		t.Fatalf("got %+v", v2)
	}
	cases := []struct{ name, input, wantErr string }{
		{"unknown portone subdirective", "iamport_sandbox {\n\tportone {\n\t\tapi_key k\n\t}\n}", "portone: unrecognized subdirective: api_key, at Testfile:3"},
		{"portone with an argument", "iamport_sandbox {\n\tportone x\n}", "wrong argument count or unexpected line ending after 'x', at Testfile:2"},
		{"unknown subdirective", "iamport_sandbox {\n\tfaults on\n}", "unrecognized subdirective: faults, at Testfile:2"},
		{"api_key without value", "iamport_sandbox {\n\tapi_key\n}", "wrong argument count or unexpected line ending after 'api_key', at Testfile:2"},
		{"api_secret with two values", "iamport_sandbox {\n\tapi_key k\n\tapi_secret a b\n}", "wrong argument count or unexpected line ending after 'a', at Testfile:3"},
		{"argument on the directive", "iamport_sandbox extra", "wrong argument count or unexpected line ending after 'extra', at Testfile:1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Sandbox
			err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil || !strings.HasSuffix(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestSandboxStateIsSharedWhileLoaded proves that a second provision with
// the same credentials (a config reload) gets the running imitation, that
// other credentials get another one, and that the imitation is dropped once
// the last handler using it is cleaned up.
func TestSandboxStateIsSharedWhileLoaded(t *testing.T) {
	provision := func(key string) *Sandbox {
		t.Helper()
		s := &Sandbox{APIKey: key, APISecret: "secret"}
		if err := s.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := provision("pool_key")
	reloaded := provision("pool_key")
	other := provision("pool_other")
	if old.srv != reloaded.srv {
		t.Error("a reload with the same credentials got a new imitation")
	}
	if old.srv == other.srv {
		t.Error("different credentials share one imitation")
	}
	for _, s := range []*Sandbox{old, reloaded, other} {
		if err := s.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	if again := provision("pool_key"); again.srv == old.srv {
		t.Error("the imitation outlived the last handler using it")
	}
	if err := (&Sandbox{}).Cleanup(); err != nil {
		t.Errorf("cleanup before provision: %v", err)
	}
}
