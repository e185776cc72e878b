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
//	    portone {
//	        api_secret <secret>
//	        store_id   <store id>
//	        api_base   <url>
//	    }
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
//	    assertion   <audience> {
//	        issuer   <string>
//	        lifetime <duration>
//	        header   <name>
//	        key_file <path>
//	        rotate   <duration>
//	    }
//	}
//
// ci_hash_key is required, and so are api_key and api_secret (i'mport V1)
// unless a portone block selects PortOne V2 instead; a portone block
// together with api_key, api_secret or api_base is an error, and with it
// field defaults to identityVerificationId. Write secrets as
// {env.NAME} or {file./path} placeholders: they are resolved when the
// config is provisioned and never appear in the adapted JSON. (The
// Caddyfile's own {$NAME} substitution would bake the value into the JSON.)
// Every subdirective may appear once, except verify and forward, which add
// to what earlier lines gave (and key_file inside assertion).
//
// Every error names the file and the line: the subdirective's line for a
// bad or empty value, a malformed placeholder or a conflict (max_age below
// min_age points at the later of the two), the directive's own line for a
// missing required subdirective. What a placeholder resolves to ({env.*}
// set and non-empty, {file.*} readable) is only known when the config is
// provisioned, on the machine that runs it, so those errors come at load
// time and name the subdirective and the placeholder.
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
		if twoSources(seen) {
			return d.Errf("%s: %v", name, errTwoSources)
		}
		if err := v.unmarshalSubdirective(d, name); err != nil {
			return err
		}
	}
	required := []string{"api_key", "api_secret", "ci_hash_key"}
	if seen["portone"] {
		required = []string{"ci_hash_key"}
	}
	var missing []string
	for _, req := range required {
		if !seen[req] {
			missing = append(missing, req)
		}
	}
	if len(missing) > 0 {
		// The block has been read to its closing brace; point at the
		// directive instead. The dispenser holds this directive's segment,
		// so its first token is the directive's name.
		d.Reset()
		d.Next()
		if len(missing) == 1 {
			return d.Errf("iamport_verify: %s is required", missing[0])
		}
		return d.Errf("iamport_verify: %s are required", strings.Join(missing, ", "))
	}
	return nil
}

// unmarshalSubdirective reads the subdirective name, the dispenser's
// current token, with its arguments and block.
func (v *Verify) unmarshalSubdirective(d *caddyfile.Dispenser, name string) error {
	switch name {
	case "api_key":
		return secretArg(d, &v.APIKey)
	case "api_secret":
		return secretArg(d, &v.APISecret)
	case "ci_hash_key":
		return secretArg(d, &v.CIHashKey)
	case "api_base":
		if err := arg(d, &v.APIBase); err != nil {
			return err
		}
		if strings.Contains(v.APIBase, "{") {
			return d.WrapErr(checkPlaceholders(v.APIBase))
		}
		if err := checkBaseURL(v.APIBase); err != nil {
			return d.WrapErr(err)
		}
	case "portone":
		p, err := unmarshalPortOne(d)
		if err != nil {
			return err
		}
		v.PortOne = p
	case "timeout":
		return durationArg(d, &v.Timeout)
	case "lookup_concurrency":
		return parseLookupConcurrency(d, v)
	case "max_verification_age":
		return durationArg(d, &v.MaxVerificationAge)
	case "verify":
		if d.NextArg() {
			return d.ArgErr()
		}
		set, err := caddyhttp.ParseCaddyfileNestedMatcherSet(d)
		if err != nil {
			return d.Errf("parsing verify matchers: %w", err)
		}
		if len(set) == 0 {
			return d.Err("verify needs at least one matcher")
		}
		v.VerifyRaw = append(v.VerifyRaw, set)
	case "field":
		return arg(d, &v.Field)
	case "max_body":
		var s string
		if err := arg(d, &s); err != nil {
			return err
		}
		size, err := humanize.ParseBytes(s)
		if err != nil || size == 0 || size > 1<<40 {
			return d.Errf("invalid max_body %q: want a size such as 64KiB or 1MiB", s)
		}
		v.MaxBody = int64(size)
	case "min_age":
		if err := ageArg(d, &v.MinAge); err != nil {
			return err
		}
		return v.checkAgeRange(d)
	case "max_age":
		if err := ageArg(d, &v.MaxAge); err != nil {
			return err
		}
		return v.checkAgeRange(d)
	case "age_basis":
		if err := arg(d, &v.AgeBasis); err != nil {
			return err
		}
		if _, err := policy.ParseBasis(v.AgeBasis); err != nil {
			return d.Errf("age_basis: %w", err)
		}
	case "foreigners":
		if err := arg(d, &v.Foreigners); err != nil {
			return err
		}
		if _, err := policy.ParseForeigners(v.Foreigners); err != nil {
			return d.Errf("foreigners: %w", err)
		}
	case "single_use":
		if !d.NextArg() {
			return d.ArgErr()
		}
		mode, err := parseSingleUse(d.Val())
		if err != nil {
			return d.WrapErr(err)
		}
		v.SingleUse = mode
		if mode == singleUseRedis {
			if err := arg(d, &v.RedisURL); err != nil {
				return err
			}
			// A URL with placeholders is checked at Provision, once
			// they are resolved.
			if !strings.Contains(v.RedisURL, "{") {
				if _, err := singleuse.ParseRedisURL(v.RedisURL); err != nil {
					return d.Errf("single_use redis: %v", err)
				}
			}
			return nil
		}
		if d.NextArg() {
			return d.ArgErr()
		}
	case "header_prefix":
		if err := arg(d, &v.HeaderPrefix); err != nil {
			return err
		}
		if err := checkPrefix(v.HeaderPrefix); err != nil {
			return d.WrapErr(err)
		}
	case "forward":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		for _, a := range args {
			if _, err := identity.ParseField(a); err != nil {
				return d.Errf("forward: %w", err)
			}
		}
		v.Forward = append(v.Forward, args...)
	case "refusals":
		if err := arg(d, &v.Refusals); err != nil {
			return err
		}
		if _, err := parseRefusals(v.Refusals); err != nil {
			return d.WrapErr(err)
		}
	case "assertion":
		a, err := unmarshalAssertion(d)
		if err != nil {
			return err
		}
		v.Assertion = a
	default:
		return d.Errf("unrecognized subdirective: %s", name)
	}
	return nil
}

// arg reads the subdirective's one argument into dst, refusing a missing,
// extra or empty one (an empty "" token, or a {$NAME} the Caddyfile
// substituted with an unset variable).
func arg(d *caddyfile.Dispenser, dst *string) error {
	name := d.Val()
	if !d.AllArgs(dst) {
		return d.ArgErr()
	}
	if *dst == "" {
		return d.Errf("%s: empty value", name)
	}
	return nil
}

// secretArg reads a secret: one non-empty argument whose placeholders, if
// any, checkPlaceholders accepts.
func secretArg(d *caddyfile.Dispenser, dst *string) error {
	name := d.Val()
	if err := arg(d, dst); err != nil {
		return err
	}
	if err := checkPlaceholders(*dst); err != nil {
		return d.Errf("%s: %w", name, err)
	}
	return nil
}

func durationArg(d *caddyfile.Dispenser, dst *caddy.Duration) error {
	name := d.Val()
	var s string
	if err := arg(d, &s); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil || dur <= 0 {
		return d.Errf("invalid %s %q: want a positive duration such as 10s or 30m", name, s)
	}
	*dst = caddy.Duration(dur)
	return nil
}

func ageArg(d *caddyfile.Dispenser, dst *int) error {
	name := d.Val()
	var s string
	if err := arg(d, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 150 {
		return d.Errf("invalid %s %q: want whole years between 0 and 150", name, s)
	}
	*dst = n
	return nil
}

// checkAgeRange refuses min_age above max_age on the line of whichever of
// the two came last.
func (v *Verify) checkAgeRange(d *caddyfile.Dispenser) error {
	if v.MaxAge > 0 && v.MinAge > v.MaxAge {
		return d.Errf("min_age %d is above max_age %d", v.MinAge, v.MaxAge)
	}
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Verify)(nil)
