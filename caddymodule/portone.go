package caddymodule

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/lookuplimit"
	"github.com/verigate/caddy-iamport/internal/portone"
)

// DefaultPortOneAPIBase is the PortOne V2 REST API.
const DefaultPortOneAPIBase = portone.DefaultBaseURL

// PortOneConfig selects PortOne V2 identity verification as the handler's
// source: GET {api_base}/identity-verifications/{id} with
// "Authorization: PortOne <api_secret>". Everything else the handler does
// (verify matchers, policy, single use, headers, forward, refusals) is the
// same for both sources.
type PortOneConfig struct {
	// The V2 API secret. Required. {env.*} and {file.*} placeholders are
	// resolved at provision time, so the secret never appears in adapted
	// JSON.
	APISecret string `json:"api_secret,omitempty"`
	// The store id. Optional; when set it is sent as storeId on every
	// lookup, so that PortOne refuses verifications of other stores.
	// Placeholders as for api_secret; one that resolves to nothing fails
	// the config.
	StoreID string `json:"store_id,omitempty"`
	// The base URL of the PortOne V2 REST API. Default:
	// https://api.portone.io.
	APIBase string `json:"api_base,omitempty"`
}

// errTwoSources is the config error for a portone block beside V1 settings.
var errTwoSources = errors.New("a portone block selects PortOne V2 as the only verification source: " +
	"remove api_key, api_secret and api_base from iamport_verify (PortOne's api_base goes inside the portone block)")

// twoSources reports whether the subdirectives seen so far select both
// sources: a portone block and one of i'mport's api_key, api_secret or
// api_base.
func twoSources(seen map[string]bool) bool {
	return seen["portone"] && (seen["api_key"] || seen["api_secret"] || seen["api_base"])
}

// provisionPortOne sets up the PortOne V2 source from the portone block.
func (v *Verify) provisionPortOne(repl *caddy.Replacer) (source, error) {
	if v.APIKey != "" || v.APISecret != "" || v.APIBase != "" {
		return source{}, errTwoSources
	}
	p := v.PortOne
	secret, err := resolveSecret(repl, "portone api_secret", p.APISecret)
	if err != nil {
		return source{}, err
	}
	store := ""
	if p.StoreID != "" {
		if store, err = resolveSecret(repl, "portone store_id", p.StoreID); err != nil {
			return source{}, err
		}
	}
	base, err := resolveBaseURL(repl, p.APIBase, DefaultPortOneAPIBase)
	if err != nil {
		return source{}, fmt.Errorf("portone %w", err)
	}
	client, ref, err := loadPortOneClient(base, secret, store, v.lookupConcurrency(), v.logger)
	if err != nil {
		return source{}, err
	}
	v.poolKeys = append(v.poolKeys, ref)
	return source{src: client, field: DefaultPortOneField, id: []string{base, secret, store}}, nil
}

type pooledPortOne struct {
	*portone.Client
	limited certification.Source // the client behind the limiter
	limiter *lookuplimit.Limiter
}

// Destruct closes the client's idle connections when the last handler
// using it is cleaned up.
func (c pooledPortOne) Destruct() error {
	c.Close()
	return nil
}

// loadPortOneClient returns the shared V2 client for these settings and
// this lookup concurrency, behind its limiter of lookups in flight (each
// V2 lookup is one call, so the limiter wraps the whole lookup); every
// handler hands it its config's logger.
func loadPortOneClient(base, secret, store string, concurrency int, logger *zap.Logger) (certification.Source, poolRef, error) {
	pc, ref, err := loadLimited(concurrency, func(limiter *lookuplimit.Limiter) (pooledPortOne, error) {
		c, err := portone.New(portone.Config{BaseURL: base, Secret: secret, StoreID: store, InFlight: limiter.Cap(), Observer: apiObserver{}})
		if err != nil {
			return pooledPortOne{}, err
		}
		return pooledPortOne{Client: c, limited: limiter.Wrap(c), limiter: limiter}, nil
	}, "portone-client", base, secret, store)
	if err != nil {
		return nil, poolRef{}, fmt.Errorf("setting up PortOne client: %w", err)
	}
	// The client's lines and its limiter's refusal lines under one name.
	named := logger.Named("portone")
	pc.SetLogger(named)
	pc.limiter.SetLogger(named)
	return pc.limited, ref, nil
}

// unmarshalPortOne parses the portone block (the dispenser is on the
// word portone):
//
//	portone {
//	    api_secret <secret>
//	    store_id   <store id>
//	    api_base   <url>
//	}
//
// api_secret is required; each subdirective may appear once. Errors name
// the file and line as the directive's other errors do.
func unmarshalPortOne(d *caddyfile.Dispenser) (*PortOneConfig, error) {
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	p := new(PortOneConfig)
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] {
			return nil, d.Errf("portone: %s already specified", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "api_secret":
			err = secretArg(d, &p.APISecret)
		case "store_id":
			err = secretArg(d, &p.StoreID)
		case "api_base":
			if err = arg(d, &p.APIBase); err != nil {
				break
			}
			if strings.Contains(p.APIBase, "{") {
				err = checkPlaceholders(p.APIBase)
			} else {
				err = checkBaseURL(p.APIBase)
			}
			if err != nil {
				err = d.Errf("portone %w", err)
			}
		default:
			err = d.Errf("portone: unrecognized subdirective: %s", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if !seen["api_secret"] {
		return nil, d.Err("portone: api_secret is required")
	}
	return p, nil
}
