package caddymodule

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/verigate/caddy-iamport/internal/identity"
	"github.com/verigate/caddy-iamport/internal/policy"
	"github.com/verigate/caddy-iamport/internal/singleuse"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("iamport_verify", parseVerify)
	// After request_body (so its size limit already wraps the body) and
	// before every handler that could answer or proxy the request: redir,
	// rewrite, basic_auth, forward_auth, handle, route, respond,
	// reverse_proxy, file_server and the rest of the standard order.
	httpcaddyfile.RegisterDirectiveOrder("iamport_verify", httpcaddyfile.After, "request_body")
}

func parseVerify(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	v := new(Verify)
	err := v.UnmarshalCaddyfile(h.Dispenser)
	return v, err
}

// UnmarshalCaddyfile implements caddyfile.Unmarshaler. Syntax:
//
//	iamport_verify [<matcher>] {
//	    api_key     <key>
//	    api_secret  <secret>
//	    api_base    <url>
//	    timeout     <duration>
//	    lookup_concurrency <n>
//	    verify {
//	        <matchers, as in a named matcher>
//	    }
//	    field       <name>
//	    max_body    <size>
//	    min_age     <years>
//	    max_age     <years>
//	    age_basis   full|year
//	    foreigners  allow|deny
//	    max_verification_age <duration>
//	    single_use  on|off|redis <redis-url>
//	    ci_hash_key <secret>
//	    header_prefix <prefix>
//	    forward     <field...>
//	    refusals    problem|handle_errors
//	}
//
// api_key, api_secret and ci_hash_key are required. Write secrets as
// {env.NAME} or {file./path} placeholders: they are resolved when the
// config is provisioned and never appear in the adapted JSON. (The
// Caddyfile's own {$NAME} substitution would bake the value into the JSON.)
// Every subdirective may appear once, except verify and forward, which add
// to what earlier lines gave.
func (v *Verify) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] && name != "verify" && name != "forward" {
			return d.Errf("%s already specified", name)
		}
		seen[name] = true
		switch name {
		case "api_key":
			if err := oneArg(d, &v.APIKey); err != nil {
				return err
			}
		case "api_secret":
			if err := oneArg(d, &v.APISecret); err != nil {
				return err
			}
		case "ci_hash_key":
			if err := oneArg(d, &v.CIHashKey); err != nil {
				return err
			}
		case "api_base":
			if err := oneArg(d, &v.APIBase); err != nil {
				return err
			}
			if !strings.Contains(v.APIBase, "{") {
				if err := checkBaseURL(v.APIBase); err != nil {
					return d.Errf("%v", err)
				}
			}
		case "timeout":
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			v.Timeout = dur
		case "lookup_concurrency":
			if err := parseLookupConcurrency(d, v); err != nil {
				return err
			}
		case "max_verification_age":
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			v.MaxVerificationAge = dur
		case "verify":
			if d.NextArg() {
				return d.ArgErr()
			}
			set, err := caddyhttp.ParseCaddyfileNestedMatcherSet(d)
			if err != nil {
				return d.Errf("parsing verify matchers: %v", err)
			}
			if len(set) == 0 {
				return d.Err("verify needs at least one matcher")
			}
			v.VerifyRaw = append(v.VerifyRaw, set)
		case "field":
			if err := oneArg(d, &v.Field); err != nil {
				return err
			}
		case "max_body":
			var s string
			if err := oneArg(d, &s); err != nil {
				return err
			}
			size, err := humanize.ParseBytes(s)
			if err != nil || size == 0 || size > 1<<40 {
				return d.Errf("invalid max_body %q: want a size such as 64KiB or 1MiB", s)
			}
			v.MaxBody = int64(size)
		case "min_age", "max_age":
			n, err := ageArg(d)
			if err != nil {
				return err
			}
			if name == "min_age" {
				v.MinAge = n
			} else {
				v.MaxAge = n
			}
		case "age_basis":
			if err := oneArg(d, &v.AgeBasis); err != nil {
				return err
			}
			if _, err := policy.ParseBasis(v.AgeBasis); err != nil {
				return d.Errf("invalid age_basis %q: want full or year", v.AgeBasis)
			}
		case "foreigners":
			if err := oneArg(d, &v.Foreigners); err != nil {
				return err
			}
			if v.Foreigners != "allow" && v.Foreigners != "deny" {
				return d.Errf("invalid foreigners %q: want allow or deny", v.Foreigners)
			}
		case "single_use":
			if !d.NextArg() {
				return d.ArgErr()
			}
			v.SingleUse = d.Val()
			switch v.SingleUse {
			case "on", "off":
				if d.NextArg() {
					return d.ArgErr()
				}
			case "redis":
				if err := oneArg(d, &v.RedisURL); err != nil {
					return err
				}
				// A URL with placeholders is checked at Provision, once
				// they are resolved.
				if !strings.Contains(v.RedisURL, "{") {
					if _, err := singleuse.ParseRedisURL(v.RedisURL); err != nil {
						return d.Errf("single_use redis: %v", err)
					}
				}
			default:
				return d.Errf("invalid single_use %q: want on, off or redis <url>", v.SingleUse)
			}
		case "header_prefix":
			if err := oneArg(d, &v.HeaderPrefix); err != nil {
				return err
			}
			if err := checkPrefix(v.HeaderPrefix); err != nil {
				return d.Errf("%v", err)
			}
		case "forward":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			for _, a := range args {
				if _, err := identity.ParseField(a); err != nil {
					return d.Errf("forward: %v", err)
				}
			}
			v.Forward = append(v.Forward, args...)
		case "refusals":
			if err := oneArg(d, &v.Refusals); err != nil {
				return err
			}
			if v.Refusals != refusalsProblem && v.Refusals != refusalsHandleErrors {
				return d.Errf("invalid refusals %q: want problem or handle_errors", v.Refusals)
			}
		default:
			return d.Errf("unrecognized subdirective: %s", name)
		}
	}
	for _, req := range []string{"api_key", "api_secret", "ci_hash_key"} {
		if !seen[req] {
			return d.Errf("iamport_verify: %s is required", req)
		}
	}
	if v.MaxAge > 0 && v.MinAge > v.MaxAge {
		return d.Errf("min_age %d is above max_age %d", v.MinAge, v.MaxAge)
	}
	return nil
}

// oneArg reads exactly one argument into dst.
func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func durationArg(d *caddyfile.Dispenser) (caddy.Duration, error) {
	name := d.Val()
	var s string
	if err := oneArg(d, &s); err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil || dur <= 0 {
		return 0, d.Errf("invalid %s %q: want a positive duration such as 10s or 30m", name, s)
	}
	return caddy.Duration(dur), nil
}

func ageArg(d *caddyfile.Dispenser) (int, error) {
	name := d.Val()
	var s string
	if err := oneArg(d, &s); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 150 {
		return 0, d.Errf("invalid %s %q: want whole years between 0 and 150", name, s)
	}
	return n, nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Verify)(nil)
