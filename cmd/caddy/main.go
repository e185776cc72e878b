// Command caddy is the demo: standard Caddy with the caddy-iamport plugin
// and its i'mport sandbox linked in, so that `go run ./cmd/caddy run
// --config Caddyfile.example` works without xcaddy. Production builds use
// xcaddy with xcaddy.json, which leaves the sandbox out.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/mholt/caddy-ratelimit"
	_ "github.com/verigate/caddy-iamport"
	_ "github.com/verigate/caddy-iamport/sandbox"
)

func main() {
	caddycmd.Main()
}
