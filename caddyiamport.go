// Package caddyiamport is the plugin's root package: importing it (as
// xcaddy's `--with github.com/verigate/caddy-iamport` does) registers the
// production module, iamport_verify, which lives in caddymodule, and the
// operator's `caddy iamport` commands, which live in iamportcmd. It does
// not register iamport_sandbox, the unauthenticated i'mport imitation: a
// staging build adds it with a second
// `--with github.com/verigate/caddy-iamport/sandbox`.
package caddyiamport

import (
	_ "github.com/verigate/caddy-iamport/caddymodule"
	_ "github.com/verigate/caddy-iamport/iamportcmd"
)
