package iamport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

const (
	// tokenKey is the only key in the token cache.
	tokenKey = "access_token"
	// maxTokenLifetime caps what an answer can claim (i'mport says 30 min).
	maxTokenLifetime = 24 * time.Hour
)

// DefaultTokenRefreshLead is how much of a token's life is left when the
// background refresh asks for it again, when Config.TokenRefreshLead is
// zero: 45 s, inside the last minute of a token's life, where i'mport's
// getToken extends the token by five minutes (before it, getToken hands
// back the same token with the same expiry).
const DefaultTokenRefreshLead = 45 * time.Second

// DefaultTokenMargin is how much of a token's life is left when it is no
// longer used, when Config.TokenMargin is zero: 15 s, which leaves the
// background refresh 30 s of i'mport's extension window to succeed in
// while lookups still use the current token.
const DefaultTokenMargin = 15 * time.Second

// tokenEntry is a cached token and its times on c.now's clock.
type tokenEntry struct {
	value     string
	expiredAt int64     // the answer's expired_at, on i'mport's clock
	refreshAt time.Time // when the background refresh asks again
	expires   time.Time // when lookups stop using it
}

type tokenRequest struct {
	Key    string `json:"imp_key"`
	Secret string `json:"imp_secret"`
}

type tokenAnswer struct {
	AccessToken *string `json:"access_token"`
	Now         *int64  `json:"now"`
	ExpiredAt   *int64  `json:"expired_at"`
}

// issuedToken is a checked getToken answer.
type issuedToken struct {
	value                string
	serverNow, expiredAt int64 // Unix seconds on i'mport's clock
}

// tokenTimes returns when a token fetched at local time localNow is
// refreshed in the background and when lookups stop using it, given the
// server's now and expired_at (Unix seconds). The lifetime is measured on
// the server's clock alone, so clock skew cancels out. A token is used
// until min(margin, lifetime/2) before its expiry and refreshed from
// min(lead, 3/4 of the lifetime) before it, so a refresh always comes
// before the token stops being used. ok is false when the lifetime is zero
// or less.
func tokenTimes(localNow time.Time, serverNow, expiredAt int64, lead, margin time.Duration) (refreshAt, expires time.Time, ok bool) {
	if expiredAt <= serverNow {
		return time.Time{}, time.Time{}, false
	}
	lifetime := maxTokenLifetime
	if secs := expiredAt - serverNow; secs < int64(maxTokenLifetime/time.Second) {
		lifetime = time.Duration(secs) * time.Second
	}
	lead = min(lead, lifetime*3/4)
	margin = min(margin, lifetime/2)
	end := localNow.Add(lifetime)
	return end.Add(-lead), end.Add(-margin), true
}

// entryFor is the cache entry of a token fetched at localNow.
func (c *Client) entryFor(localNow time.Time, t issuedToken) tokenEntry {
	refreshAt, expires, _ := tokenTimes(localNow, t.serverNow, t.expiredAt, c.refreshLead, c.margin)
	return tokenEntry{value: t.value, expiredAt: t.expiredAt, refreshAt: refreshAt, expires: expires}
}

// cachedEntry returns the cached token if it has not reached its local
// expiry.
func (c *Client) cachedEntry() (tokenEntry, bool) {
	v, ok := c.tokens.Get(tokenKey)
	if !ok {
		return tokenEntry{}, false
	}
	e := v.(tokenEntry)
	if !c.now().Before(e.expires) {
		return tokenEntry{}, false
	}
	return e, true
}

// storeToken caches e. go-cache is also given the expiry so that it can drop
// the entry on the real clock; the check that matters is in cachedEntry.
func (c *Client) storeToken(e tokenEntry) {
	d := e.expires.Sub(c.now())
	if d <= 0 {
		return
	}
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	c.tokens.Set(tokenKey, e, d)
}

// dropTokenIf forgets the cached token only if it is still bad, so that a
// late 401 does not throw away a token another lookup has just fetched.
func (c *Client) dropTokenIf(bad string) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if v, ok := c.tokens.Get(tokenKey); ok && v.(tokenEntry).value == bad {
		c.tokens.Delete(tokenKey)
	}
}

// token returns a usable token, fetching one if needed. Concurrent callers
// share one getToken call (also with the background refresh), which runs on
// the client's own context, not theirs, bounded by c.tokenTimeout; each
// caller stops waiting when its ctx ends. A caller that finds no usable token
// reports how long it waited to the TokenObserver.
func (c *Client) token(ctx context.Context) (string, error) {
	if e, ok := c.cachedEntry(); ok {
		return e.value, nil
	}
	if c.onTokenWait != nil {
		c.onTokenWait()
	}
	start := c.now()
	defer func() { c.tokenObs.ObserveTokenWait(c.now().Sub(start)) }()
	ch := c.flight.DoChan(tokenKey, func() (any, error) {
		if e, ok := c.cachedEntry(); ok {
			return e, nil
		}
		fctx, cancel := context.WithTimeout(c.refresher.life, c.tokenTimeout)
		defer cancel()
		return c.fetchToken(fctx, TokenPathRequest)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(tokenEntry).value, nil
	case <-ctx.Done():
		return "", failure("waiting for token", certification.ErrUnavailable, ctx.Err())
	}
}

// fetchToken calls getToken once, on path (TokenPathRequest or
// TokenPathBackground), and caches the token it returns.
func (c *Client) fetchToken(ctx context.Context, path string) (tokenEntry, error) {
	req, err := c.newTokenRequest(ctx)
	if err != nil {
		return tokenEntry{}, failure(opToken, certification.ErrFailed, err)
	}
	localNow := c.now()
	var issued issuedToken
	outcome, status, detail := call(c, req, EndpointToken, func(a *tokenAnswer) error {
		var err error
		issued, err = parseToken(a)
		return err
	})
	if outcome != apiclient.OutcomeOK {
		c.tokenObs.ObserveTokenFetch(path, outcome)
		return tokenEntry{}, tokenFailure(outcome, status, detail)
	}
	entry := c.entryFor(localNow, issued)
	c.storeToken(entry)
	// Counted once stored: a successful fetch the metrics show is a token
	// lookups already find.
	c.tokenObs.ObserveTokenFetch(path, outcome)
	return entry, nil
}

// opToken names the getToken call in errors.
const opToken = "fetching token"

// newTokenRequest builds the getToken request, which carries the key and
// secret in its JSON body.
func (c *Client) newTokenRequest(ctx context.Context) (*http.Request, error) {
	body, err := json.Marshal(tokenRequest{Key: c.key, Secret: c.secret})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/users/getToken", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// tokenFailure turns a getToken call that did not succeed into its error:
// unavailable for server, network and timeout outcomes, failed otherwise,
// saying so when the credentials were refused (401 or 403).
func tokenFailure(outcome string, status int, detail error) error {
	switch {
	case apiclient.Transient(outcome):
		return failure(opToken, certification.ErrUnavailable, detail)
	case outcome == apiclient.OutcomeUnauthorized || outcome == apiclient.OutcomeClientError:
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return failure(opToken+": credentials rejected", certification.ErrFailed, detail)
		}
	}
	return failure(opToken, certification.ErrFailed, detail)
}

var (
	errTokenFields   = errors.New("token answer lacks access_token, now or expired_at")
	errTokenChars    = errors.New("token holds characters not allowed in a header")
	errTokenLifetime = errors.New("token lifetime is zero or negative")
)

// parseToken decodes a getToken response member. The token must be visible
// ASCII so that it can be sent in a header unchanged, and its lifetime
// positive.
func parseToken(a *tokenAnswer) (issuedToken, error) {
	if a.AccessToken == nil || *a.AccessToken == "" || a.Now == nil || a.ExpiredAt == nil {
		return issuedToken{}, errTokenFields
	}
	if !apiclient.HeaderSafe(*a.AccessToken) {
		return issuedToken{}, errTokenChars
	}
	if *a.ExpiredAt <= *a.Now {
		return issuedToken{}, errTokenLifetime
	}
	return issuedToken{value: *a.AccessToken, serverNow: *a.Now, expiredAt: *a.ExpiredAt}, nil
}
