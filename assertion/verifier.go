package assertion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/sync/singleflight"
)

// Defaults of a Verifier.
const (
	// DefaultHeader is the request header the gateway puts the assertion in.
	DefaultHeader = "X-Verified-Assertion"
	// DefaultIssuer is the gateway's default "iss".
	DefaultIssuer = "caddy-iamport"
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat: 30 s,
	// as Google IAP advises.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway is the largest leeway accepted.
	MaxLeeway = 5 * time.Minute
	// MaxLifetime is the longest exp − iat accepted: the gateway never
	// signs for longer than 10 minutes.
	MaxLifetime = 10 * time.Minute
	// DefaultRefetchInterval is the least time between two key set fetches
	// caused by unknown key ids.
	DefaultRefetchInterval = 30 * time.Second
	// DefaultCacheLifetime is how long a key set is used when its answer
	// has no Cache-Control max-age.
	DefaultCacheLifetime = 5 * time.Minute
	// StaleLimit is how long after it should have been refreshed a key set
	// is still used while the JWKS URL cannot be reached.
	StaleLimit = time.Hour
	// maxToken is the longest assertion read.
	maxToken = 8 << 10
)

// DefaultAlgorithms are the algorithms the gateway signs with.
var DefaultAlgorithms = []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256}

// The errors Verify returns wrap one of these.
var (
	// ErrInvalid means the token must not be trusted: malformed, an
	// algorithm not allowed, an unknown key, a bad signature, another
	// audience or issuer, expired or not yet valid.
	ErrInvalid = errors.New("invalid identity assertion")
	// ErrKeysUnavailable means the key set could not be fetched (and no
	// usable cached copy exists): try again later.
	ErrKeysUnavailable = errors.New("identity assertion keys unavailable")
)

// Config configures a Verifier.
type Config struct {
	// JWKSURL is where the gateway's iamport_jwks handler serves the key
	// set, e.g. http://gateway.internal/.well-known/jwks.json. Required.
	JWKSURL string
	// Audience is the "aud" the gateway was configured with for this
	// backend (`assertion <audience>`). Required.
	Audience string
	// Issuer is the expected "iss"; "" means DefaultIssuer.
	Issuer string
	// Algorithms is the allowlist; nil means DefaultAlgorithms. "none" and
	// HS256/HS384/HS512 are refused.
	Algorithms []jose.SignatureAlgorithm
	// Leeway is the clock skew allowed; 0 means DefaultLeeway.
	Leeway time.Duration
	// RefetchInterval is the least time between two fetches caused by
	// unknown key ids; 0 means DefaultRefetchInterval.
	RefetchInterval time.Duration
	// CacheLifetime, when set, overrides the key set answer's max-age.
	CacheLifetime time.Duration
	// HTTPClient fetches the key set; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks assertions. It is safe for concurrent use.
type Verifier struct {
	cfg      Config
	keys     atomic.Pointer[keySet]
	lastTry  atomic.Int64 // Unix nanoseconds of the last fetch started
	fetching singleflight.Group
}

// NewVerifier checks cfg and returns a Verifier. It makes no network call:
// the key set is fetched by the first Verify.
func NewVerifier(cfg Config) (*Verifier, error) {
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("assertion: JWKSURL must be an absolute http or https URL")
	}
	if cfg.Audience == "" {
		return nil, errors.New("assertion: Audience is required")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Algorithms == nil {
		cfg.Algorithms = DefaultAlgorithms
	}
	if len(cfg.Algorithms) == 0 {
		return nil, errors.New("assertion: no algorithm allowed")
	}
	for _, alg := range cfg.Algorithms {
		switch alg {
		case jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		default:
			return nil, fmt.Errorf("assertion: algorithm %q is not allowed (only public-key signatures)", alg)
		}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		return nil, fmt.Errorf("assertion: Leeway must be between 0 and %s", MaxLeeway)
	}
	if cfg.RefetchInterval <= 0 {
		cfg.RefetchInterval = DefaultRefetchInterval
	}
	if cfg.CacheLifetime < 0 {
		return nil, errors.New("assertion: CacheLifetime must not be negative")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

// Verify checks token and returns the identity it states. Errors wrap
// ErrInvalid or ErrKeysUnavailable.
func (v *Verifier) Verify(ctx context.Context, token string) (*Identity, error) {
	if token == "" || len(token) > maxToken {
		return nil, fmt.Errorf("%w: empty or too long", ErrInvalid)
	}
	tok, err := jwt.ParseSigned(token, v.cfg.Algorithms)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(tok.Headers) != 1 {
		return nil, fmt.Errorf("%w: want exactly one signature", ErrInvalid)
	}
	h := tok.Headers[0]
	if typ, ok := h.ExtraHeaders[jose.HeaderType].(string); ok && !strings.EqualFold(typ, "JWT") {
		return nil, fmt.Errorf("%w: type %q", ErrInvalid, typ)
	}
	if h.KeyID == "" {
		return nil, fmt.Errorf("%w: no key id", ErrInvalid)
	}
	key, err := v.key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if key.Algorithm != "" && key.Algorithm != h.Algorithm {
		return nil, fmt.Errorf("%w: key %s is for %s, not %s", ErrInvalid, h.KeyID, key.Algorithm, h.Algorithm)
	}
	var std jwt.Claims
	var wire wireClaims
	if err := tok.Claims(key.Key, &std, &wire); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if std.Expiry == nil || std.IssuedAt == nil || std.Subject == "" || std.ID == "" {
		return nil, fmt.Errorf("%w: exp, iat, sub or jti missing", ErrInvalid)
	}
	if std.Expiry.Time().Sub(std.IssuedAt.Time()) > MaxLifetime {
		return nil, fmt.Errorf("%w: valid for longer than %s", ErrInvalid, MaxLifetime)
	}
	err = std.ValidateWithLeeway(jwt.Expected{
		Issuer:      v.cfg.Issuer,
		AnyAudience: jwt.Audience{v.cfg.Audience},
		Time:        v.cfg.Now(),
	}, v.cfg.Leeway)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return identityOf(&std, &wire, v.cfg.Audience), nil
}

func identityOf(std *jwt.Claims, w *wireClaims, aud string) *Identity {
	id := &Identity{
		CIHash: std.Subject, BirthYear: w.BirthYear, DI: w.DI, Source: w.Source,
		Name: w.Name, Gender: w.Gender, Foreigner: w.Foreigner, Phone: w.Phone, Carrier: w.Carrier,
		Birthday: w.Birthday, Age: w.Age, ImpUID: w.ImpUID,
		Issuer: std.Issuer, Audience: aud, ID: std.ID,
		IssuedAt: std.IssuedAt.Time(), Expiry: std.Expiry.Time(),
	}
	if w.VerifiedAt != 0 {
		id.VerifiedAt = time.Unix(w.VerifiedAt, 0)
	}
	if w.CertifiedAt != "" {
		id.CertifiedAt, _ = time.Parse(time.RFC3339, w.CertifiedAt)
	}
	return id
}
