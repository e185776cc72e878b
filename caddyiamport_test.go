package caddyiamport_test

import (
	"testing"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/verigate/caddy-iamport"
)

// TestRootRegistersProductionModulesOnly proves what a production build
// (xcaddy's `--with github.com/verigate/caddy-iamport`) links: the
// iamport_verify handler and its directive, the operator's `caddy iamport`
// commands, and not the unauthenticated i'mport sandbox.
func TestRootRegistersProductionModulesOnly(t *testing.T) {
	if _, err := caddy.GetModule("http.handlers.iamport_verify"); err != nil {
		t.Errorf("the root package does not register iamport_verify: %v", err)
	}
	if _, ok := caddycmd.Commands()["iamport"]; !ok {
		t.Error("the root package does not register the caddy iamport command")
	}
	if _, err := caddy.GetModule("http.handlers.iamport_sandbox"); err == nil {
		t.Error("the root package registers iamport_sandbox; a production build must not carry it")
	}
	for _, m := range caddy.Modules() {
		if m == "http.handlers.iamport_sandbox" {
			t.Errorf("module list has %s", m)
		}
	}
}
