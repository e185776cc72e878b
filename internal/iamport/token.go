package iamport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

const (
	// tokenKey is the only key in the token cache.
	tokenKey = "access_token"
	// maxTokenMargin is the most a token is given up before its expiry.
	maxTokenMargin = 60 * time.Second
	// maxTokenLifetime caps what an answer can claim (i'mport says 30 min).
	maxTokenLifetime = 24 * time.Hour
)

// tokenEntry is a cached token and when to stop using it on c.now's clock.
type tokenEntry struct {
	value   string
	expires time.Time
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

// tokenExpiry returns when a token fetched at local time localNow stops being
// used, given the server's now and expired_at (Unix seconds). The lifetime is
// measured on the server's clock alone, so clock skew cancels out; the margin
// is min(60 s, lifetime/2). ok is false when the lifetime is zero or less.
func tokenExpiry(localNow time.Time, serverNow, expiredAt int64) (time.Time, bool) {
	if expiredAt <= serverNow {
		return time.Time{}, false
	}
	lifetime := maxTokenLifetime
	if secs := expiredAt - serverNow; secs < int64(maxTokenLifetime/time.Second) {
		lifetime = time.Duration(secs) * time.Second
	}
	margin := min(maxTokenMargin, lifetime/2)
	return localNow.Add(lifetime - margin), true
}

// cachedToken returns the cached token if it has not reached its local expiry.
func (c *Client) cachedToken() (string, bool) {
	v, ok := c.tokens.Get(tokenKey)
	if !ok {
		return "", false
	}
	e := v.(tokenEntry)
	if !c.now().Before(e.expires) {
		return "", false
	}
	return e.value, true
}

// storeToken caches e. go-cache is also given the expiry so that it can drop
// the entry on the real clock; the check that matters is in cachedToken.
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
// share one getToken call, which runs on a context detached from theirs and
// bounded by c.tokenTimeout; each caller stops waiting when its ctx ends.
func (c *Client) token(ctx context.Context) (string, error) {
	if t, ok := c.cachedToken(); ok {
		return t, nil
	}
	if c.onTokenWait != nil {
		c.onTokenWait()
	}
	ch := c.flight.DoChan(tokenKey, func() (any, error) {
		if t, ok := c.cachedToken(); ok {
			return t, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.tokenTimeout)
		defer cancel()
		return c.fetchToken(fctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", failure("waiting for token", certification.ErrUnavailable, ctx.Err())
	}
}

// fetchToken calls getToken once and caches the token it returns.
func (c *Client) fetchToken(ctx context.Context) (string, error) {
	req, err := c.newTokenRequest(ctx)
	if err != nil {
		return "", failure(opToken, certification.ErrFailed, err)
	}
	localNow := c.now()
	var entry tokenEntry
	outcome, status, detail := c.call(req, EndpointToken, func(raw json.RawMessage) error {
		var err error
		entry, err = parseToken(raw, localNow)
		return err
	})
	if outcome != OutcomeOK {
		return "", tokenFailure(outcome, status, detail)
	}
	c.storeToken(entry)
	return entry.value, nil
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
	switch outcome {
	case OutcomeServerError, OutcomeNetworkError, OutcomeTimeout:
		return failure(opToken, certification.ErrUnavailable, detail)
	case OutcomeUnauthorized, OutcomeClientError:
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
// ASCII so that it can be sent in a header unchanged.
func parseToken(raw json.RawMessage, localNow time.Time) (tokenEntry, error) {
	var a tokenAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return tokenEntry{}, fmt.Errorf("decoding token: %w", err)
	}
	if a.AccessToken == nil || *a.AccessToken == "" || a.Now == nil || a.ExpiredAt == nil {
		return tokenEntry{}, errTokenFields
	}
	for i := 0; i < len(*a.AccessToken); i++ {
		if b := (*a.AccessToken)[i]; b <= ' ' || b > '~' {
			return tokenEntry{}, errTokenChars
		}
	}
	expires, ok := tokenExpiry(localNow, *a.Now, *a.ExpiredAt)
	if !ok {
		return tokenEntry{}, errTokenLifetime
	}
	return tokenEntry{value: *a.AccessToken, expires: expires}, nil
}
