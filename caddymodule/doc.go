// Package caddymodule registers the iamport_verify HTTP handler module and
// its Caddyfile directive. The i'mport imitation, iamport_sandbox, is a
// separate package (github.com/verigate/caddy-iamport/sandbox) so that a
// production build does not carry it.
package caddymodule
