// Package sandbox registers the iamport_sandbox HTTP handler module and its
// Caddyfile directive: an imitation of the i'mport REST API for demos,
// tests and staging. It is kept out of the plugin's root package so that a
// production build (`xcaddy build --with github.com/verigate/caddy-iamport`)
// does not carry it; a staging build adds it with a second
// `--with github.com/verigate/caddy-iamport/sandbox`. The imitation itself
// lives in internal/sandbox.
package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	imitation "github.com/verigate/caddy-iamport/internal/sandbox"
)

func init() {
	caddy.RegisterModule(Sandbox{})
	httpcaddyfile.RegisterHandlerDirective("iamport_sandbox", parseSandbox)
	// The sandbox answers requests itself, like respond.
	httpcaddyfile.RegisterDirectiveOrder("iamport_sandbox", httpcaddyfile.Before, "respond")
}

// Sandbox is an HTTP handler that imitates the i'mport REST API endpoints
// the gateway uses (POST /users/getToken and GET /certifications/{imp_uid})
// and PortOne V2's GET /identity-verifications/{id} (with
// "Authorization: PortOne <secret>"), with a fixed set of test identities
// (V2 ids are "identity-verification-" and the V1 id's digits), plus
// control endpoints under
// /__sandbox/ (stats, faults, reset) for tests and demos. It is the i'mport
// of the demo and of the integration tests. It has no authentication of its
// own and must never be exposed publicly: bind its site to a loopback
// address.
//
// The sandbox's state (tokens, faults, call counts) is kept across config
// reloads for as long as a sandbox with the same credentials stays loaded.
// It always answers; it never calls the next handler.
type Sandbox struct {
	// The API key getToken accepts. Default: sandbox_key. Placeholders are
	// resolved at provision time.
	APIKey string `json:"api_key,omitempty"`
	// The API secret getToken accepts. Default: sandbox_secret.
	APISecret string `json:"api_secret,omitempty"`
	// The PortOne V2 settings the V2 endpoint accepts. Optional.
	PortOne *PortOne `json:"portone,omitempty"`

	srv *imitation.Server
	key string // this sandbox's key in the usage pool; "" before Provision
}

// PortOne is what the sandbox's PortOne V2 endpoint accepts.
type PortOne struct {
	// The V2 API secret in "Authorization: PortOne <secret>". Default:
	// sandbox_portone_secret. Placeholders are resolved at provision time.
	APISecret string `json:"api_secret,omitempty"`
	// The one storeId a request may name (403 FORBIDDEN for any other).
	// Default: store-sandbox.
	StoreID string `json:"store_id,omitempty"`
}

// servers holds one imitation per pair of credentials, so that a config
// reload (which provisions the new handler before it cleans up the old one)
// hands the running imitation, with its tokens, faults and counts, to the
// new handler. The last handler to let go drops it.
var servers = caddy.NewUsagePool()

type pooledServer struct{ *imitation.Server }

func (pooledServer) Destruct() error { return nil }

// CaddyModule returns the Caddy module information.
func (Sandbox) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.iamport_sandbox",
		New: func() caddy.Module { return new(Sandbox) },
	}
}

// Provision sets up the sandbox, reusing the running one with the same
// credentials if a previous config had it. {env.*} and {file.*}
// placeholders in the credentials are resolved here.
func (s *Sandbox) Provision(caddy.Context) error {
	repl := caddy.NewReplacer()
	cfg := imitation.Config{APIKey: repl.ReplaceKnown(s.APIKey, ""), APISecret: repl.ReplaceKnown(s.APISecret, "")}
	if s.PortOne != nil {
		cfg.PortOneSecret = repl.ReplaceKnown(s.PortOne.APISecret, "")
		cfg.PortOneStoreID = repl.ReplaceKnown(s.PortOne.StoreID, "")
	}
	// The pool key is a hash, so credentials are never kept as map keys.
	sum := sha256.Sum256([]byte(strings.Join([]string{cfg.APIKey, cfg.APISecret, cfg.PortOneSecret, cfg.PortOneStoreID}, "\x00")))
	poolKey := hex.EncodeToString(sum[:])
	val, _, err := servers.LoadOrNew(poolKey, func() (caddy.Destructor, error) {
		return pooledServer{imitation.New(cfg)}, nil
	})
	if err != nil {
		return err
	}
	s.srv = val.(pooledServer).Server
	s.key = poolKey
	return nil
}

// Cleanup lets go of the shared sandbox state.
func (s *Sandbox) Cleanup() error {
	if s.key == "" {
		return nil
	}
	_, err := servers.Delete(s.key)
	return err
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	s.srv.ServeHTTP(w, r)
	return nil
}

// UnmarshalCaddyfile implements caddyfile.Unmarshaler. Syntax:
//
//	iamport_sandbox [<matcher>] {
//	    api_key    <key>
//	    api_secret <secret>
//	    portone {
//	        api_secret <secret>
//	        store_id   <store id>
//	    }
//	}
//
// The block is optional; without it the sandbox accepts sandbox_key and
// sandbox_secret (V1) and sandbox_portone_secret with no storeId or
// store-sandbox (V2).
func (s *Sandbox) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var dst *string
		switch d.Val() {
		case "api_key":
			dst = &s.APIKey
		case "api_secret":
			dst = &s.APISecret
		case "portone":
			s.PortOne = new(PortOne)
			if err := unmarshalFields(d, map[string]*string{
				"api_secret": &s.PortOne.APISecret, "store_id": &s.PortOne.StoreID,
			}); err != nil {
				return err
			}
			continue
		default:
			return d.Errf("unrecognized subdirective: %s", d.Val())
		}
		if !d.AllArgs(dst) {
			return d.ArgErr()
		}
	}
	return nil
}

func parseSandbox(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	s := new(Sandbox)
	err := s.UnmarshalCaddyfile(h.Dispenser)
	return s, err
}

// Interface guards
var (
	_ caddy.Module                = (*Sandbox)(nil)
	_ caddy.Provisioner           = (*Sandbox)(nil)
	_ caddy.CleanerUpper          = (*Sandbox)(nil)
	_ caddyhttp.MiddlewareHandler = (*Sandbox)(nil)
	_ caddyfile.Unmarshaler       = (*Sandbox)(nil)
)
