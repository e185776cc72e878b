package caddymodule

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/identity"
	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/signing"
)

// Defaults of the assertion block.
const (
	// DefaultAssertionIssuer is the "iss" of every assertion unless
	// `issuer` says otherwise. It names the software, not one instance, so
	// that every instance of a gateway signs the same issuer.
	DefaultAssertionIssuer = "caddy-iamport"
	// defaultAssertionSuffix follows the header prefix in the default
	// header name: X-Verified-Assertion.
	defaultAssertionSuffix = "Assertion"
)

// Assertion configures the signed identity assertion iamport_verify adds
// to every verified request: one compact JWS (a JWT) in one header, which a
// backend verifies with the key set iamport_jwks serves, its own audience
// and the issuer. Refused and exempt requests never carry one, and a copy
// sent by a client is always deleted.
type Assertion struct {
	// The "aud" claim: a string the backend checks, typically its own
	// URL. Required.
	Audience string `json:"audience,omitempty"`
	// The "iss" claim. Default: caddy-iamport.
	Issuer string `json:"issuer,omitempty"`
	// How long an assertion is valid (exp − iat). Default: 2m; at most 10m.
	Lifetime caddy.Duration `json:"lifetime,omitempty"`
	// The request header carrying the assertion. Default: the header
	// prefix followed by "Assertion" (X-Verified-Assertion). Client copies
	// of it are deleted on every request, also when it is outside the
	// prefix.
	Header string `json:"header,omitempty"`
	// PEM files holding the signing keys (ECDSA P-256, Ed25519 or RSA of
	// at least 2048 bits; PKCS #8, SEC 1 or PKCS #1), read at provisioning;
	// the first key signs, every key is published. Without any, a P-256 key
	// is generated in Caddy's storage when a handler first serves, shared
	// by every instance using that storage, and rotated.
	KeyFiles []string `json:"key_files,omitempty"`
	// How long a generated key signs before its successor takes over.
	// Default: 90d (or the period already stored with the keys); at least
	// 2h. Not allowed with key_files. Every handler of a config on the
	// same storage shares the generated keys: two different rotates among
	// them are refused.
	Rotate caddy.Duration `json:"rotate,omitempty"`
}

// assertionSigner is the provisioned form of Assertion.
type assertionSigner struct {
	issuer signing.Issuer
	header string // canonical
	// outside is set when the header is not under the handler's prefix: the
	// handler's header filter and hop-by-hop guard then cover it by name.
	outside bool
	keys    *keySource
}

// provision checks the block and prepares its keys (without touching the
// storage); prefix is the handler's header prefix.
func (a *Assertion) provision(ctx caddy.Context, prefix string, logger *zap.Logger) (*assertionSigner, error) {
	if strings.TrimSpace(a.Audience) == "" {
		return nil, fmt.Errorf("assertion: the audience is required")
	}
	s := &assertionSigner{issuer: signing.Issuer{
		Issuer:   a.Issuer,
		Audience: a.Audience,
		Lifetime: time.Duration(a.Lifetime),
	}}
	if s.issuer.Issuer == "" {
		s.issuer.Issuer = DefaultAssertionIssuer
	}
	if err := s.issuer.Check(); err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	header := a.Header
	if header == "" {
		header = prefix + defaultAssertionSuffix
	}
	if err := checkHeaderName(header); err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	s.header = textproto.CanonicalMIMEHeaderKey(header)
	s.outside = !identity.NewFilter(prefix).Matches(header)
	keys, err := newKeySource(ctx, a.KeyFiles, time.Duration(a.Rotate), logger.Named("assertion"))
	if err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	s.keys = keys
	return s, nil
}

// prepare runs on every request the handler sees: it starts loading the
// keys in the background. (Client copies of the header are deleted by the
// handler's header filter, which covers it by name when it is outside the
// prefix.)
func (s *assertionSigner) prepare() {
	s.keys.start()
}

// keySet returns the keys to sign with, waiting at most wait for the
// first load; when there are none, the request is refused (fail closed).
func (s *assertionSigner) keySet(ctx context.Context, wait time.Duration) (*signing.KeySet, *problem.Error) {
	set, err := s.keys.keys(ctx, wait)
	if err != nil {
		return nil, problem.Wrap(problem.VerificationUnavailable,
			"the identity assertion keys could not be loaded; try again shortly", err)
	}
	return set, nil
}

// attach signs the verified identity and sets the header.
func (s *assertionSigner) attach(h http.Header, set *signing.KeySet, rec *certification.Record, ciHash string, age int, forward []identity.Field) *problem.Error {
	key := set.Signing(time.Now())
	token, err := s.issuer.Sign(key, signing.IdentityClaims(rec, ciHash, age, forward))
	if err != nil {
		return problem.Wrap(problem.VerificationUnavailable, "the identity assertion could not be signed", err)
	}
	h[s.header] = []string{token}
	return nil
}

func (s *assertionSigner) stop() {
	if s != nil {
		s.keys.stop()
	}
}

// reservedHeaders may not carry an assertion: the proxy or the backend
// gives them another meaning.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Content-Type": true, "Content-Encoding": true,
	"Transfer-Encoding": true, "Connection": true, "Keep-Alive": true, "Te": true, "Trailer": true,
	"Upgrade": true, "Cookie": true, "Authorization": true, "Proxy-Authorization": true, "Proxy-Connection": true,
	"Forwarded": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true,
}

// checkHeaderName checks the assertion header: the characters a header
// prefix may have, and none of reservedHeaders.
func checkHeaderName(name string) error {
	if err := checkHeaderChars("header", name); err != nil {
		return err
	}
	if reservedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("header %q is reserved", name)
	}
	return nil
}

// unmarshalAssertion parses the assertion subdirective of iamport_verify:
//
//	assertion <audience> {
//	    issuer   <string>
//	    lifetime <duration>
//	    header   <name>
//	    key_file <path>      # repeatable
//	    rotate   <duration>
//	}
func unmarshalAssertion(d *caddyfile.Dispenser) (*Assertion, error) {
	a := new(Assertion)
	if !d.NextArg() {
		return nil, d.Err("assertion needs an audience, e.g. assertion https://app.example.com")
	}
	a.Audience = d.Val()
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] && name != "key_file" {
			return nil, d.Errf("assertion: %s already specified", name)
		}
		seen[name] = true
		switch name {
		case "issuer":
			if err := arg(d, &a.Issuer); err != nil {
				return nil, err
			}
		case "header":
			if err := arg(d, &a.Header); err != nil {
				return nil, err
			}
			if err := checkHeaderName(a.Header); err != nil {
				return nil, d.Errf("assertion: %v", err)
			}
		case "key_file":
			var f string
			if err := arg(d, &f); err != nil {
				return nil, err
			}
			a.KeyFiles = append(a.KeyFiles, f)
		case "lifetime":
			var dur caddy.Duration
			if err := durationArg(d, &dur); err != nil {
				return nil, err
			}
			if err := signing.CheckLifetime(time.Duration(dur)); err != nil {
				return nil, d.Errf("assertion: %v", err)
			}
			a.Lifetime = dur
		case "rotate":
			var dur caddy.Duration
			if err := durationArg(d, &dur); err != nil {
				return nil, err
			}
			if err := (signing.Schedule{Rotate: time.Duration(dur)}).Check(); err != nil {
				return nil, d.Errf("assertion: %v", err)
			}
			a.Rotate = dur
		default:
			return nil, d.Errf("assertion: unrecognized subdirective: %s", name)
		}
	}
	if len(a.KeyFiles) > 0 && a.Rotate != 0 {
		return nil, d.Err("assertion: rotate applies to generated keys only, not to key_file")
	}
	return a, nil
}
