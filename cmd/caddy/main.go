// Command caddy is standard Caddy with the caddy-iamport plugin linked in,
// so that `go run ./cmd/caddy run --config Caddyfile.example` works without
// xcaddy. Production builds use xcaddy with xcaddy.json.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/verigate/caddy-iamport/caddymodule"
)

func main() {
	caddycmd.Main()
}
