// Package caddyiamport is the plugin's root package: importing it (as
// xcaddy's `--with github.com/verigate/caddy-iamport` does) registers the
// iamport_verify and iamport_sandbox Caddy modules, which live in
// caddymodule.
package caddyiamport

import (
	_ "github.com/verigate/caddy-iamport/caddymodule"
)
