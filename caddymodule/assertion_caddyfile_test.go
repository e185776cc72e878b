package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestAssertionCaddyfileReadsEverySubdirective(t *testing.T) {
	tests := []struct {
		name, block string
		want        Assertion
	}{
		{"audience only", "\tassertion https://app.example\n", Assertion{Audience: "https://app.example"}},
		{"generated keys", `	assertion https://app.example {
		issuer https://gateway.example
		lifetime 90s
		header X-Identity-Token
		rotate 30d
	}
`, Assertion{Audience: "https://app.example", Issuer: "https://gateway.example", Lifetime: caddy.Duration(90 * time.Second),
			Header: "X-Identity-Token", Rotate: caddy.Duration(30 * 24 * time.Hour)}},
		{"key files", `	assertion app {
		key_file /etc/caddy/new.pem
		key_file {env.OLD_KEY}
	}
`, Assertion{Audience: "app", KeyFiles: []string{"/etc/caddy/new.pem", "{env.OLD_KEY}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Verify
			if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_verify {\n" + minimalBlock + tt.block + "}")); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v.Assertion)
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestAssertionCaddyfileRefusesBadConfig(t *testing.T) {
	tests := []struct{ name, block, wantErr string }{
		{"no audience", "\tassertion\n", "needs an audience"},
		{"no audience before block", "\tassertion {\n\t\tissuer x\n\t}\n", "needs an audience"},
		{"two audiences", "\tassertion a b\n", "wrong argument count"},
		{"repeated", "\tassertion a\n\tassertion b\n", "assertion already specified"},
		{"lifetime above 10m", "\tassertion a {\n\t\tlifetime 11m\n\t}\n", "out of range"},
		{"lifetime below 1s", "\tassertion a {\n\t\tlifetime 500ms\n\t}\n", "out of range"},
		{"bad lifetime", "\tassertion a {\n\t\tlifetime soon\n\t}\n", "invalid lifetime"},
		{"rotate too short", "\tassertion a {\n\t\trotate 1h\n\t}\n", "rotate"},
		{"rotate with key_file", "\tassertion a {\n\t\tkey_file k.pem\n\t\trotate 30d\n\t}\n", "generated keys only"},
		{"bad header", "\tassertion a {\n\t\theader X_Token\n\t}\n", "only letters"},
		{"reserved header", "\tassertion a {\n\t\theader Cookie\n\t}\n", "reserved"},
		{"repeated issuer", "\tassertion a {\n\t\tissuer x\n\t\tissuer y\n\t}\n", "issuer already specified"},
		{"unknown", "\tassertion a {\n\t\talgorithm HS256\n\t}\n", "unrecognized subdirective: algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Verify
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_verify {\n" + minimalBlock + tt.block + "}"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "Testfile:") {
				t.Fatalf("error %q does not name the file and line", err)
			}
		})
	}
}

func TestJWKSCaddyfile(t *testing.T) {
	var j JWKS
	if err := j.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_jwks {\n\tkey_file a.pem\n\tkey_file b.pem\n}")); err != nil {
		t.Fatal(err)
	}
	if len(j.KeyFiles) != 2 || j.KeyFiles[0] != "a.pem" || j.KeyFiles[1] != "b.pem" {
		t.Fatalf("got %+v", j)
	}
	for _, bad := range []string{"iamport_jwks extra", "iamport_jwks {\n\trotate 30d\n}", "iamport_jwks {\n\tkey_file\n}"} {
		if err := new(JWKS).UnmarshalCaddyfile(caddyfile.NewTestDispenser(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
