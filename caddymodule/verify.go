package caddymodule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/extract"
	"github.com/verigate/caddy-iamport/internal/hopbyhop"
	"github.com/verigate/caddy-iamport/internal/iamport"
	"github.com/verigate/caddy-iamport/internal/identity"
	"github.com/verigate/caddy-iamport/internal/policy"
	"github.com/verigate/caddy-iamport/internal/singleuse"
)

func init() {
	caddy.RegisterModule(Verify{})
}

// Defaults of the iamport_verify handler. Those that belong to a package
// of the request path are that package's own defaults.
const (
	DefaultAPIBase            = iamport.DefaultBaseURL
	DefaultTimeout            = 10 * time.Second
	DefaultField              = extract.DefaultField
	DefaultPortOneField       = "identityVerificationId"
	DefaultMaxBody            = extract.DefaultMaxBody
	DefaultMaxVerificationAge = policy.DefaultMaxVerificationAge
	DefaultHeaderPrefix       = "X-Verified-"
)

// Verify is an HTTP handler that turns an identity verification id carried
// by a request (an i'mport imp_uid, or a PortOne V2 identityVerificationId
// with a portone block) into trusted identity headers for the next handler,
// usually reverse_proxy.
//
// On every request it sees, Verify first deletes every request header whose
// name, lower-cased and with '_' and '.' read as '-', starts with the header
// prefix (default X-Verified-), so a client can never forge an identity
// header. Requests that match none of the `verify` matcher sets (when any are
// configured) then go on unchanged. Every other request must carry an
// id, in the JSON body, the form body or the query string; Verify looks it
// up at the source (i'mport with a cached access token, or PortOne V2 with
// the API secret), applies the policy
// (certified, age limits, foreigners, freshness), reserves the id so that it
// passes only once, and sets:
//
//   - X-Verified-CI-Hash: lower-case hex HMAC-SHA256 of the CI keyed with ci_hash_key;
//   - X-Verified-DI: the DI (left out when the source gives none);
//   - X-Verified-Birth-Year: the year of birth;
//   - and the opt-in fields listed in `forward`.
//
// A refused request never reaches the next handler. It is answered with
// application/problem+json carrying a stable `code` (statuses 400, 403, 409,
// 413, 502 and 503; 503 answers carry Retry-After), or, with
// refusals=handle_errors, handed to the site's handle_errors routes as an
// error with that status.
//
// Placeholders set for later handlers and log fields:
// {http.iamport.code} ("verified" or the refusal code),
// {http.iamport.source} ("iamport" or "portone"), {http.iamport.imp_uid}
// (the verification id, whatever the source), {http.iamport.ci_hash},
// {http.iamport.di} and {http.iamport.birth_year} (the last four only on
// verified requests).
//
// The source is i'mport V1 (api_key, api_secret: a cached access token and
// GET /certifications/{imp_uid}) or, with a portone block, PortOne V2 (GET
// /identity-verifications/{id} with the API secret; the id field defaults
// to identityVerificationId). Both give the same headers, refusal codes and
// values.
type Verify struct {
	// The i'mport REST API key. Required. {env.*} and {file.*}
	// placeholders are resolved at provision time, so the secret never
	// appears in adapted JSON.
	APIKey string `json:"api_key,omitempty"`
	// The i'mport REST API secret. Required; placeholders as for api_key.
	APISecret string `json:"api_secret,omitempty"`
	// The base URL of the i'mport REST API. Default: https://api.iamport.kr.
	APIBase string `json:"api_base,omitempty"`
	// PortOne, when set, selects PortOne V2 identity verification as the
	// source instead of i'mport V1. A handler has exactly one source, so
	// it may not be combined with api_key, api_secret or api_base.
	PortOne *PortOneConfig `json:"portone,omitempty"`
	// The time budget for all calls to i'mport behind one request (token
	// and certification lookup, including one retry). It also bounds how
	// long a client may take to send the body. Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// The most lookups in flight at once to i'mport, shared by every
	// handler with the same credentials and the same value. A lookup
	// beyond it waits for a slot within its time budget (timeout), then
	// is refused with 503 verification_unavailable. getToken calls are
	// not counted. Default: 64.
	LookupConcurrency int `json:"lookup_concurrency,omitempty"`
	// Request matcher sets selecting the requests that must carry a
	// verification. Requests matching none pass through with only the
	// forged-header filter applied. Without any, every request the handler
	// sees must carry a verification.
	VerifyRaw caddyhttp.RawMatcherSets `json:"verify,omitempty" caddy:"namespace=http.matchers"`
	// The name of the JSON field, form field or query parameter holding
	// the id. Default: imp_uid, or identityVerificationId with portone.
	Field string `json:"field,omitempty"`
	// The largest body, in bytes, read to find the id. Larger bodies are
	// refused with 413 body_too_large. Default: 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`
	// The minimum age in years (inclusive). Default: 0, no minimum.
	MinAge int `json:"min_age,omitempty"`
	// The maximum age in years (inclusive). Default: 0, no maximum.
	MaxAge int `json:"max_age,omitempty"`
	// How age is counted: "full" (default; 만 나이, full years on today's
	// date in Asia/Seoul) or "year" (current year minus birth year, as the
	// Juvenile Protection Act counts).
	AgeBasis string `json:"age_basis,omitempty"`
	// "allow" (default) or "deny" foreign nationals.
	Foreigners string `json:"foreigners,omitempty"`
	// Refuse a verification whose certified_at is older than this.
	// It is also how long a used id is remembered. Default: 30m.
	MaxVerificationAge caddy.Duration `json:"max_verification_age,omitempty"`
	// Whether an id may pass only once: "on" (default; in this process's
	// memory), "off", or "redis" (shared by every instance using redis_url).
	SingleUse string `json:"single_use,omitempty"`
	// The Redis URL for single_use "redis": one server
	// (redis://127.0.0.1:6379/0, rediss://user:password@host:6380/0),
	// Sentinel (master_name=NAME, the host and each addr=host:port are
	// sentinels; sentinel_password=... when they require one) or Cluster
	// (addr=host:port parameters without master_name, or cluster=true);
	// wait_replicas=N waits for N replicas on each reservation. See the
	// README's "Redis forms". Placeholders are resolved at provision time;
	// a URL without them is checked when the Caddyfile is parsed.
	RedisURL string `json:"redis_url,omitempty"`
	// The HMAC-SHA256 key for the CI hash. Required; placeholders as for
	// api_key. Changing it changes every hash a backend has stored.
	CIHashKey string `json:"ci_hash_key,omitempty"`
	// The prefix of every identity header. Default: X-Verified-.
	HeaderPrefix string `json:"header_prefix,omitempty"`
	// Extra fields to forward as headers (opt-in, personal data): name,
	// gender, foreigner, phone, carrier, birthday, age, imp_uid,
	// certified_at.
	Forward []string `json:"forward,omitempty"`
	// How refusals are answered: "problem" (default; an
	// application/problem+json answer written by this handler) or
	// "handle_errors" (an error with the refusal's status, for the site's
	// handle_errors routes; {http.iamport.code} names the refusal).
	Refusals string `json:"refusals,omitempty"`
	// A signed identity assertion (JWT) added to every verified request;
	// see Assertion. Default: none.
	Assertion *Assertion `json:"assertion,omitempty"`

	verifySets caddyhttp.MatcherSets
	filter     identity.Filter
	hops       hopbyhop.Guard
	extract    extract.Options
	source     certification.Source
	policy     policy.Policy
	store      singleuse.Store
	ciHash     *identity.CIHasher
	headers    *identity.Headers
	forward    []identity.Field
	timeout    time.Duration
	ttl        time.Duration
	logger     *zap.Logger
	poolKeys   []poolRef
	signer     *assertionSigner
	warm       func() // starts the source's background work; see ServeHTTP
}

// CaddyModule returns the Caddy module information.
func (Verify) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.iamport_verify",
		New: func() caddy.Module { return new(Verify) },
	}
}

// Provision sets up the handler: it resolves placeholders in the secrets,
// applies defaults, and builds (or reuses, across config reloads) the
// verification source (the i'mport client with its token cache, or the
// PortOne V2 client) and the single-use store. It makes no network call,
// so `caddy validate` never contacts i'mport, PortOne or Redis.
func (v *Verify) Provision(ctx caddy.Context) error {
	v.logger = ctx.Logger()
	registerMetrics(ctx.GetMetricsRegistry(), v.logger)

	repl := caddy.NewReplacer()
	ciKey, err := resolveSecret(repl, "ci_hash_key", v.CIHashKey)
	if err != nil {
		return err
	}
	v.ciHash = identity.NewCIHasher([]byte(ciKey))

	v.timeout = durationOr(v.Timeout, DefaultTimeout)
	v.ttl = durationOr(v.MaxVerificationAge, DefaultMaxVerificationAge)
	if v.timeout <= 0 || v.ttl <= 0 {
		return errors.New("timeout and max_verification_age must be positive")
	}

	if v.VerifyRaw != nil {
		mods, err := ctx.LoadModule(v, "VerifyRaw")
		if err != nil {
			return fmt.Errorf("loading verify matchers: %w", err)
		}
		if err := v.verifySets.FromInterface(mods); err != nil {
			return fmt.Errorf("loading verify matchers: %w", err)
		}
	}

	prefix := v.HeaderPrefix
	if prefix == "" {
		prefix = DefaultHeaderPrefix
	}
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	v.HeaderPrefix = prefix
	v.filter = identity.NewFilter(prefix)
	v.headers = identity.NewHeaders(prefix)

	if v.MaxBody < 0 {
		return errors.New("max_body must be positive")
	}

	v.forward = v.forward[:0]
	for _, f := range v.Forward {
		field, err := identity.ParseField(f)
		if err != nil {
			return fmt.Errorf("forward: %w", err)
		}
		v.forward = append(v.forward, field)
	}

	if v.policy, err = buildPolicy(v); err != nil {
		return err
	}

	var account source
	if v.sourceName() == certification.SourcePortOne {
		account, err = v.provisionPortOne(repl)
	} else {
		account, err = v.provisionIamport(repl)
	}
	if err != nil {
		return err
	}
	v.source = account.src
	field := v.Field
	if field == "" {
		field = account.field
	}
	// Every id found in a request must have the configured source's shape.
	v.extract = extract.Options{Field: field, MaxBody: v.MaxBody, ValidID: v.source.ValidID}.WithDefaults()
	// Not started here: `caddy validate` provisions too, and a provision
	// that does not serve must make no call. The first request does.
	v.warm = func() {}
	if s, ok := v.source.(interface{ Start() }); ok {
		v.warm = s.Start
	}

	mode, err := parseSingleUse(valueOr(v.SingleUse, singleUseOn))
	if err != nil {
		return err
	}
	store, ref, err := loadStore(mode, repl, v.RedisURL, v.source.Name(), account.id...)
	if err != nil {
		return err
	}
	if store != nil {
		v.poolKeys = append(v.poolKeys, ref)
	}
	v.store = store

	if _, err := parseRefusals(valueOr(v.Refusals, refusalsProblem)); err != nil {
		return err
	}

	if v.Assertion != nil {
		if v.signer, err = v.Assertion.provision(ctx, prefix, v.logger); err != nil {
			return err
		}
		// A client's copy of the assertion header, its Connection or its
		// trailers must not carry, remove or add the header either, also
		// when it is outside the prefix: one filter covers the prefix and
		// that name.
		if v.signer.outside {
			v.filter = v.filter.WithName(v.signer.header)
		}
	}
	// The hop-by-hop rules protect exactly the headers the filter strips.
	v.hops = hopbyhop.New(v.filter)
	return nil
}

// Validate checks the policy Provision built: no negative age limit, and
// min_age not above max_age. (The Caddyfile parser checks the latter too,
// to name the file and line.)
func (v *Verify) Validate() error {
	return v.policy.Validate()
}

// Cleanup releases this instance's hold on the shared API client and
// single-use store (the last holder closes them, which stops the client's
// background token refresh) and stops the background refresh of the
// assertion keys.
func (v *Verify) Cleanup() error {
	v.signer.stop()
	var errs []error
	for _, ref := range v.poolKeys {
		if err := ref.release(); err != nil {
			errs = append(errs, err)
		}
	}
	v.poolKeys = nil
	return errors.Join(errs...)
}

func buildPolicy(v *Verify) (policy.Policy, error) {
	basis, err := policy.ParseBasis(valueOr(v.AgeBasis, policy.BasisFull.String()))
	if err != nil {
		return policy.Policy{}, fmt.Errorf("age_basis: %w", err)
	}
	deny, err := policy.ParseForeigners(valueOr(v.Foreigners, "allow"))
	if err != nil {
		return policy.Policy{}, fmt.Errorf("foreigners: %w", err)
	}
	return policy.Policy{
		MinAge:             v.MinAge,
		MaxAge:             v.MaxAge,
		Basis:              basis,
		DenyForeigners:     deny,
		MaxVerificationAge: v.ttl,
	}, nil
}

// valueOr returns s, or def when s is empty (a JSON field left out).
func valueOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// resolveSecret resolves the global placeholders ({env.*}, {file.*}) in a
// required secret and refuses an empty result, an unset variable, an
// unclosed or unknown placeholder (checkPlaceholders), so
// that a missing environment variable fails the config instead of running
// with an empty key.
func resolveSecret(repl *caddy.Replacer, name, raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fmt.Errorf("%s is required", name)
	}
	if err := checkPlaceholders(raw); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	val, err := repl.ReplaceOrErr(raw, true, true)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", name, err)
	}
	val = strings.TrimRight(val, "\r\n") // {file.*} values usually end in a newline
	if val == "" {
		return "", fmt.Errorf("%s resolved to an empty value", name)
	}
	return val, nil
}

// checkBaseURL refuses an api_base the client cannot use, by the clients'
// own rule (apiclient.ParseBaseURL). Its errors do not repeat the URL,
// which might carry credentials.
func checkBaseURL(base string) error {
	_, err := apiclient.ParseBaseURL(base, "", "api_base")
	return err
}

// resolveBaseURL returns an api_base (def when empty) with its placeholders
// resolved, as the client will use it: checked and without a trailing
// slash. Pool keys and the single-use store's account use this form, so
// that two spellings of one base share one client and one store. A
// placeholder that resolves to nothing is an error, not the default.
func resolveBaseURL(repl *caddy.Replacer, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	return apiclient.ParseBaseURL(repl.ReplaceKnown(raw, ""), "", "api_base")
}

func checkPrefix(prefix string) error { return checkHeaderChars("header_prefix", prefix) }

// checkHeaderChars checks a header name, or a prefix of one, given as the
// option what: at least two characters, only letters, digits and '-' (so no
// '_' or '.' spelling that a server could fold into another name).
func checkHeaderChars(what, name string) error {
	if len(name) < 2 {
		return fmt.Errorf("%s %q is too short", what, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%s %q: only letters, digits and '-' are allowed", what, name)
		}
	}
	return nil
}

func durationOr(d caddy.Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// Interface guards
var (
	_ caddy.Module                = (*Verify)(nil)
	_ caddy.Provisioner           = (*Verify)(nil)
	_ caddy.Validator             = (*Verify)(nil)
	_ caddy.CleanerUpper          = (*Verify)(nil)
	_ caddyhttp.MiddlewareHandler = (*Verify)(nil)
)
