package portone

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/lograte"
)

// DefaultBaseURL is the PortOne V2 REST API used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.portone.io"

// Config configures a Client. Only Secret is required.
type Config struct {
	// BaseURL is the API root, default DefaultBaseURL
	// ("https://api.portone.io"). It must be an http or https URL without
	// user information, query or fragment; a trailing slash is ignored and
	// a path prefix is kept.
	BaseURL string
	// Secret is the V2 API secret, already resolved. It is sent only in
	// the Authorization header and never logged.
	Secret string
	// StoreID, when set, is sent as the storeId query parameter of every
	// lookup, so that PortOne answers only for that store.
	StoreID string
	// HTTPClient sends the requests. The default is a dedicated client with
	// its own Transport (5 s dial and TLS handshake timeouts, 90 s idle
	// timeout), no overall Timeout (each caller's context bounds its
	// requests) and no redirect following.
	HTTPClient *http.Client
	// InFlight is how many lookups may be in flight at once (the caller's
	// limit); the default client keeps that many idle connections, at
	// least apiclient.DefaultIdleConns (apiclient.IdleConnsFor). 0 means
	// no limit is known.
	InFlight int
	// Now is the clock used to time calls, default time.Now.
	Now func() time.Time
	// Logger receives debug lines and the warning that the secret was
	// refused (at most one a second, counting the ones held back), default
	// zap.NewNop().
	Logger *zap.Logger
	// Observer, if set, is told about every HTTP call.
	Observer Observer
}

// Client looks identity verifications up in PortOne V2. It implements
// certification.Source and is safe for concurrent use.
type Client struct {
	base  string // no trailing slash
	auth  string // "PortOne <secret>"
	query string // "?storeId=..." or ""
	hc    *http.Client
	now   func() time.Time
	log   atomic.Pointer[zap.Logger]
	obs   Observer

	// refusedSecret bounds the warning that the secret was refused to
	// one line a second.
	refusedSecret warnRate
}

// New checks cfg and returns a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	base, err := apiclient.ParseBaseURL(cfg.BaseURL, DefaultBaseURL, "portone config")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Secret) == "" {
		return nil, errors.New("portone config: api secret is empty")
	}
	if !apiclient.HeaderSafe(cfg.Secret) {
		return nil, errors.New("portone config: api secret holds spaces, control or non-ASCII characters")
	}
	c := &Client{
		base: base,
		auth: "PortOne " + cfg.Secret,
		hc:   cfg.HTTPClient,
		now:  cfg.Now,
		obs:  cfg.Observer,

		refusedSecret: warnRate{window: lograte.Window{Every: refusedSecretEvery}},
	}
	if cfg.StoreID != "" {
		c.query = "?storeId=" + url.QueryEscape(cfg.StoreID)
	}
	if c.hc == nil {
		c.hc = apiclient.NewHTTPClient(apiclient.IdleConnsFor(cfg.InFlight))
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.obs == nil {
		c.obs = apiclient.NopObserver{}
	}
	c.SetLogger(cfg.Logger)
	return c, nil
}

// SetLogger replaces the logger the client writes to; nil means no
// logging. A client shared across config reloads is handed the newest
// config's logger this way.
func (c *Client) SetLogger(l *zap.Logger) {
	if l == nil {
		l = zap.NewNop()
	}
	c.log.Store(l)
}

// Close releases the idle connections of the client's HTTP transport, so
// that a client that is no longer used leaves no goroutine behind. The
// client must not be used afterwards.
func (c *Client) Close() {
	c.hc.CloseIdleConnections()
}

// failure builds a returned error (see apiclient.Failure).
var failure = apiclient.Failure
