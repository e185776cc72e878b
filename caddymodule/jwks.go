package caddymodule

import (
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/signing"
)

func init() {
	caddy.RegisterModule(JWKS{})
	httpcaddyfile.RegisterHandlerDirective("iamport_jwks", parseJWKS)
	// It answers requests itself, like respond; it needs no ordering
	// against iamport_verify, which always runs earlier.
	httpcaddyfile.RegisterDirectiveOrder("iamport_jwks", httpcaddyfile.Before, "respond")
}

// jwksWait bounds how long a JWKS request waits for the first load of the
// storage keys.
const jwksWait = 10 * time.Second

// jwksCacheControl lets verifiers cache the key set for
// signing.CacheLifetime (5 minutes): a new key is published an hour before
// it signs, and a retired one stays an hour after its last signature.
var jwksCacheControl = "public, max-age=" + strconv.Itoa(int(signing.CacheLifetime/time.Second))

// JWKS is an HTTP handler that serves the JSON Web Key Set
// (application/jwk-set+json) of the keys that sign iamport_verify's
// assertions: every published key, each with "kid", "alg" and "use":"sig",
// never a private part. Put it wherever backends fetch it from, e.g.
// `handle /.well-known/jwks.json { iamport_jwks }`; it also works in a site
// without iamport_verify (an internal address, say).
//
// Without key_files it serves the generated keys of Caddy's storage, the
// same ones every iamport_verify with an assertion and the same storage
// signs with. They are loaded on the first request (which waits for the
// load, up to 10 s) and re-read every minute. It never answers an empty
// set: when the keys cannot be loaded it answers 503 with Retry-After: 5.
// It answers GET and HEAD (405 otherwise) with Cache-Control: public,
// max-age=300, and never calls the next handler.
type JWKS struct {
	// PEM files holding the keys to publish, as in the assertion block of
	// iamport_verify (give the same files to both). Without any, the
	// generated keys in Caddy's storage are published.
	KeyFiles []string `json:"key_files,omitempty"`

	keys   *keySource
	logger *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (JWKS) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.iamport_jwks",
		New: func() caddy.Module { return new(JWKS) },
	}
}

// Provision reads the key files, if any. It neither reads, generates nor
// stores keys in Caddy's storage: that happens on the first request.
func (j *JWKS) Provision(ctx caddy.Context) error {
	j.logger = ctx.Logger()
	keys, err := newKeySource(ctx, j.KeyFiles, 0, j.logger)
	if err != nil {
		return err
	}
	j.keys = keys
	return nil
}

// Cleanup stops the background refresh of the storage keys.
func (j *JWKS) Cleanup() error {
	j.keys.stop()
	return nil
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (j *JWKS) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, nil)
	}
	// keys starts the load itself when none ran yet; a failed load is
	// logged by the load, and Caddy logs the 503 with its error.
	set, err := j.keys.keys(r.Context(), jwksWait)
	var body []byte
	if err == nil {
		body, err = set.JWKS(time.Now())
	}
	if err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(problem.RetryAfterSeconds))
		return caddyhttp.Error(http.StatusServiceUnavailable, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", jwksCacheControl)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(body)
	return err
}

func parseJWKS(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	j := new(JWKS)
	err := j.UnmarshalCaddyfile(h.Dispenser)
	return j, err
}

// UnmarshalCaddyfile implements caddyfile.Unmarshaler. Syntax:
//
//	iamport_jwks [<matcher>] {
//	    key_file <path>    # repeatable; without any, Caddy's storage keys
//	}
func (j *JWKS) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "key_file":
			var f string
			if err := arg(d, &f); err != nil {
				return err
			}
			j.KeyFiles = append(j.KeyFiles, f)
		default:
			return d.Errf("unrecognized subdirective: %s", d.Val())
		}
	}
	return nil
}

// Interface guards
var (
	_ caddy.Module                = (*JWKS)(nil)
	_ caddy.Provisioner           = (*JWKS)(nil)
	_ caddy.CleanerUpper          = (*JWKS)(nil)
	_ caddyhttp.MiddlewareHandler = (*JWKS)(nil)
	_ caddyfile.Unmarshaler       = (*JWKS)(nil)
)
