// Package caddymodule registers the iamport_verify and iamport_sandbox HTTP
// handler modules and their Caddyfile directives.
package caddymodule
