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

func TestDemoRegistersItsModule(t *testing.T) {
	if _, err := caddy.GetModule("http.handlers.iamport_demo"); err != nil {
		t.Fatal(err)
	}
}

func TestDemoCaddyfile(t *testing.T) {
	var d Demo
	in := "iamport_demo {\n\turl http://localhost:8080/\n\tsdk http://127.0.0.1:8081\n\tv1 {\n\t\tuser_code imp1\n\t\tchannel_key ch\n\t\tsignup /join\n\t}\n" +
		"\tv2 {\n\t\tstore_id st\n\t\tchannel_key ch2\n\t\tsignup /join2\n\t}\n}"
	if err := d.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil {
		t.Fatal(err)
	}
	if d.SDK != "http://127.0.0.1:8081" || d.URL != "http://localhost:8080/" || *d.V1 != (DemoV1{"imp1", "ch", "/join"}) || *d.V2 != (DemoV2{"st", "ch2", "/join2"}) {
		t.Fatalf("got %+v %+v %+v", d, d.V1, d.V2)
	}
	var bare Demo
	if err := bare.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_demo {\n\tsdk http://x:1\n\tv1\n}")); err != nil || bare.V1 == nil {
		t.Fatalf("v1 without a block: %v %+v", err, bare)
	}
	if err := bare.Provision(caddy.Context{}); err != nil {
		t.Fatalf("provisioning v1 with its defaults: %v", err)
	}
	cases := []struct{ name, input, wantErr string }{
		{"no sdk", "iamport_demo {\n\tv1\n}", "iamport_demo: sdk is required, at Testfile:3"},
		{"no source", "iamport_demo {\n\tsdk http://x:1\n}", "iamport_demo: v1 or v2 is required, at Testfile:3"},
		{"unknown subdirective", "iamport_demo {\n\tsdk http://x:1\n\tv3\n}", "unrecognized subdirective: v3, at Testfile:3"},
		{"unknown v1 field", "iamport_demo {\n\tsdk http://x:1\n\tv1 {\n\t\tstore_id s\n\t}\n}", "v1: unrecognized subdirective: store_id, at Testfile:4"},
		{"v1 twice", "iamport_demo {\n\tsdk http://x:1\n\tv1\n\tv1\n}", "v1 given twice, at Testfile:4"},
		{"argument on v2", "iamport_demo {\n\tsdk http://x:1\n\tv2 x {\n\t}\n}", "wrong argument count or unexpected line ending after 'x', at Testfile:3"},
		{"sdk with two values", "iamport_demo {\n\tsdk a b\n\tv1\n}", "wrong argument count or unexpected line ending after 'a', at Testfile:2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Demo
			err := d.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil || !strings.HasSuffix(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
	bad := Demo{SDK: "http://x:1", V2: &DemoV2{StoreID: "s"}}
	if err := bad.Provision(caddy.Context{}); err == nil {
		t.Fatal("a v2 page without a channel key provisioned")
	}
}
