package iamport

import (
	"cmp"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patrickmn/go-cache"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// DefaultBaseURL is the i'mport REST API used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.iamport.kr"

// DefaultTokenTimeout bounds the shared getToken call when
// Config.TokenTimeout is zero.
const DefaultTokenTimeout = 10 * time.Second

// Config configures a Client. Only Key and Secret are required.
type Config struct {
	// BaseURL is the API root, default DefaultBaseURL
	// ("https://api.iamport.kr"). It must be an http or https URL without
	// user information, query or fragment; a trailing slash is ignored and
	// a path prefix is kept.
	BaseURL string
	// Key and Secret are the REST API key and secret, already resolved.
	// They are sent only in the getToken body and never logged.
	Key, Secret string
	// HTTPClient sends the requests. The default is a dedicated client with
	// its own Transport (5 s dial and TLS handshake timeouts, 90 s idle
	// timeout), no overall Timeout (each caller's context bounds its
	// requests) and no redirect following.
	HTTPClient *http.Client
	// Now is the clock, default time.Now. Token expiry is judged on it.
	Now func() time.Time
	// Logger receives a debug line per call and, from the background
	// refresh, a warn line per failed attempt (attempts are spaced by a
	// delay that doubles up to a minute); default zap.NewNop().
	Logger *zap.Logger
	// Observer, if set, is told about every HTTP call; if it also
	// implements TokenObserver, about every getToken call's path and every
	// lookup's wait for a token.
	Observer Observer
	// TokenTimeout bounds the getToken call shared by concurrent lookups
	// and each attempt of the background refresh, default
	// DefaultTokenTimeout (10 s). Each caller still stops waiting
	// when its own context ends.
	TokenTimeout time.Duration
	// Gate, if set, bounds the certification calls in flight (see Gate);
	// a *lookuplimit.Limiter shared by every handler using this client.
	// Without one, calls are not bounded.
	Gate Gate
	// NotFoundTTL is how long an id answered 404 is answered "not found"
	// again without a call, default DefaultNotFoundTTL (5 s); negative
	// turns the negative cache off.
	NotFoundTTL time.Duration
	// NotFoundEntries bounds the ids remembered at once, default
	// DefaultNotFoundEntries (10,000).
	NotFoundEntries int
	// TokenRefreshLead is how much of the token's life is left when the
	// background refresh (see Client.Start) asks for it again, default
	// DefaultTokenRefreshLead (45 s, inside i'mport's last minute, when
	// getToken extends the token). It must be longer than TokenMargin.
	TokenRefreshLead time.Duration
	// TokenMargin is how much of the token's life is left when lookups
	// stop using it and fetch one themselves, default DefaultTokenMargin
	// (15 s).
	TokenMargin time.Duration
	// After is the timer of the background refresh, default time.After.
	// Tests pass the After of the clock whose Now they pass.
	After func(time.Duration) <-chan time.Time
}

// Client looks verifications up in i'mport. It implements
// certification.Source and is safe for concurrent use.
type Client struct {
	base         string // no trailing slash
	key, secret  string
	hc           *http.Client
	now          func() time.Time
	log          atomic.Pointer[zap.Logger]
	obs          Observer
	tokenTimeout time.Duration
	gate         Gate
	notFound     *notFoundCache // nil when off
	tokenObs     TokenObserver
	refreshLead  time.Duration
	margin       time.Duration
	after        func(time.Duration) <-chan time.Time
	refresher    refresher

	tokens  *cache.Cache
	tokenMu sync.Mutex // makes store and compare-and-drop atomic
	flight  singleflight.Group

	// onTokenWait, when set by tests, runs just before a caller joins the
	// shared getToken call.
	onTokenWait func()
}

// New checks cfg and returns a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	base, err := apiclient.ParseBaseURL(cfg.BaseURL, DefaultBaseURL, "iamport config")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Key) == "" {
		return nil, errors.New("iamport config: key is empty")
	}
	if strings.TrimSpace(cfg.Secret) == "" {
		return nil, errors.New("iamport config: secret is empty")
	}
	if cfg.TokenTimeout < 0 {
		return nil, errors.New("iamport config: token timeout is negative")
	}
	if cfg.NotFoundEntries < 0 {
		return nil, errors.New("iamport config: not-found entries is negative")
	}
	if cfg.TokenRefreshLead < 0 || cfg.TokenMargin < 0 {
		return nil, errors.New("iamport config: token refresh lead or margin is negative")
	}
	c := &Client{
		base:         base,
		key:          cfg.Key,
		secret:       cfg.Secret,
		hc:           cfg.HTTPClient,
		now:          cfg.Now,
		obs:          cfg.Observer,
		tokenTimeout: cfg.TokenTimeout,
		gate:         cfg.Gate,
		refreshLead:  cmp.Or(cfg.TokenRefreshLead, DefaultTokenRefreshLead),
		margin:       cmp.Or(cfg.TokenMargin, DefaultTokenMargin),
		after:        cfg.After,
		refresher:    newRefresher(),
		// No default expiry and no janitor goroutine: each entry is
		// stored with its own expiry and checked against Config.Now.
		tokens: cache.New(cache.NoExpiration, 0),
	}
	if c.margin >= c.refreshLead {
		return nil, errors.New("iamport config: token margin must be shorter than the refresh lead")
	}
	if c.hc == nil {
		c.hc = apiclient.NewHTTPClient(idleConnsFor(cfg.Gate))
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.gate == nil {
		c.gate = openGate{}
	}
	if cfg.NotFoundTTL >= 0 {
		ttl, entries := cfg.NotFoundTTL, cfg.NotFoundEntries
		if ttl == 0 {
			ttl = DefaultNotFoundTTL
		}
		if entries == 0 {
			entries = DefaultNotFoundEntries
		}
		c.notFound = newNotFoundCache(ttl, entries, c.now)
	}
	c.SetLogger(cfg.Logger)
	if c.obs == nil {
		c.obs = nopObserver{}
	}
	c.tokenObs = nopObserver{}
	if to, ok := c.obs.(TokenObserver); ok {
		c.tokenObs = to
	}
	if c.after == nil {
		c.after = time.After
	}
	if c.tokenTimeout == 0 {
		c.tokenTimeout = DefaultTokenTimeout
	}
	return c, nil
}

// idleConnsFor sizes the default client's keep-alive pool by the slots of
// the gate (apiclient.IdleConnsFor), when the gate says how many it has.
func idleConnsFor(g Gate) int {
	if c, ok := g.(interface{ Cap() int }); ok {
		return apiclient.IdleConnsFor(c.Cap())
	}
	return apiclient.DefaultIdleConns
}

// SetLogger replaces the logger the client writes its debug lines to; nil
// means no logging. A client shared across config reloads is handed the
// newest config's logger this way.
func (c *Client) SetLogger(l *zap.Logger) {
	if l == nil {
		l = zap.NewNop()
	}
	c.log.Store(l)
}

// Close stops the background refresh (waiting for it to end) and releases
// the idle connections of the client's HTTP transport, so that a client
// that is no longer used leaves no goroutine behind. The client must not be
// used afterwards.
func (c *Client) Close() {
	c.stopRefresh()
	c.hc.CloseIdleConnections()
}

// failure builds a returned error (see apiclient.Failure).
var failure = apiclient.Failure
