package iamport

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// maxRetryDelay is the longest wait between two failed background attempts.
const maxRetryDelay = time.Minute

// refresher is the state of a client's background warm-up and refresh.
type refresher struct {
	// life is the parent context of every getToken call, background or
	// not: Close cancels it, so that no call outlives the client.
	life    context.Context
	endLife context.CancelFunc
	started atomic.Bool // Start has run (or Close has, so Start does nothing)

	mu      sync.Mutex
	closed  bool
	running bool           // the loop was started
	done    sync.WaitGroup // the loop
}

func newRefresher() refresher {
	life, end := context.WithCancel(context.Background())
	return refresher{life: life, endLife: end}
}

// Start begins the background warm-up and refresh of the token, once per
// client: the first call starts a goroutine, every later call costs one
// atomic load. Call it when the client first serves a request of any kind,
// never while provisioning (`caddy validate` provisions too, and must make
// no network call). Close stops it.
//
// The goroutine fetches a token at once, then, for each token, asks
// getToken again when TokenRefreshLead of its life is left (45 s by
// default: inside i'mport's last minute, when getToken extends the token
// by five minutes), so lookups always find a token that is still good for
// more than TokenMargin and never wait for getToken. Each call is bounded
// by TokenTimeout and shared with lookups that would fetch at the same time.
// A failed call, or an answer that did not extend the token, keeps the
// current token and is retried after a delay that starts at min(1 s, lead/8)
// and doubles up to a minute (but comes back before the current token stops
// being used, while it lasts); when no attempt succeeds before then,
// lookups fetch tokens themselves, as without Start.
func (c *Client) Start() {
	r := &c.refresher
	if r.started.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started.Load() { // stopRefresh sets it too
		return
	}
	r.running = true
	r.done.Add(1)
	go c.refreshLoop(r.life)
	r.started.Store(true)
}

// Started reports whether Start has been called (and Close has not).
func (c *Client) Started() bool {
	r := &c.refresher
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running && !r.closed
}

// stopRefresh ends every getToken call in flight and the loop, if it
// runs, and waits for the loop to end. Later calls of Start do nothing.
func (c *Client) stopRefresh() {
	r := &c.refresher
	r.mu.Lock()
	r.closed = true
	r.started.Store(true)
	r.mu.Unlock()
	r.endLife()
	r.done.Wait()
}

// refreshLoop fetches the token at once and then keeps it fresh until ctx
// ends. Between attempts it waits on c.after, so that tests drive it with
// their clock.
func (c *Client) refreshLoop(ctx context.Context) {
	defer c.refresher.done.Done()
	var last tokenEntry // the newest token this loop knows of
	misses := 0         // consecutive attempts that failed or did not extend the token
	var wait time.Duration
	for {
		if wait > 0 {
			select {
			case <-c.after(wait):
			case <-ctx.Done():
				return
			}
		}
		now := c.now()
		if cur, ok := c.cachedEntry(); ok && newer(cur, last) {
			// A lookup fetched a newer token meanwhile (or before the
			// first round): follow that token's schedule.
			last = cur
			if now.Before(cur.refreshAt) {
				misses, wait = 0, cur.refreshAt.Sub(now)
				continue
			}
		}
		next, err := c.refreshOnce(ctx, last)
		if ctx.Err() != nil {
			return
		}
		now = c.now()
		if err == nil && newer(next, last) {
			// A new token, or the current one extended.
			last, misses = next, 0
			wait = max(next.refreshAt.Sub(now), c.retryDelay(1))
			continue
		}
		misses++
		wait = c.retryDelay(misses)
		cur, valid := c.cachedEntry()
		if valid {
			// Come back while the current token is still used.
			wait = min(wait, max(c.retryDelay(1), cur.expires.Sub(now)/2))
		}
		c.logRefreshMiss(err, valid, cur, now, wait)
	}
}

// newer reports whether e is another token than last, or last extended.
func newer(e, last tokenEntry) bool {
	return e.value != last.value || e.expiredAt > last.expiredAt
}

// refreshOnce makes one background getToken call, bounded by
// c.tokenTimeout, or joins the one in flight. When a lookup has just
// cached a token newer than last that is not due for refresh, it returns
// that token without a call. Every call ends when ctx (the client's life)
// ends, so waiting for it never delays Close for long.
func (c *Client) refreshOnce(ctx context.Context, last tokenEntry) (tokenEntry, error) {
	v, err, _ := c.flight.Do(tokenKey, func() (any, error) {
		if cur, ok := c.cachedEntry(); ok && newer(cur, last) && c.now().Before(cur.refreshAt) {
			return cur, nil
		}
		fctx, cancel := context.WithTimeout(ctx, c.tokenTimeout)
		defer cancel()
		return c.fetchToken(fctx, TokenPathBackground)
	})
	if err != nil {
		return tokenEntry{}, err
	}
	return v.(tokenEntry), nil
}

// retryDelay is the wait after the n-th consecutive miss (n >= 1):
// min(1 s, lead/8), doubled for each further miss, at most maxRetryDelay.
func (c *Client) retryDelay(n int) time.Duration {
	d := min(time.Second, c.refreshLead/8)
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// logRefreshMiss logs a background attempt that failed (warn) or did not
// extend the token (debug), under the client logger's "token" name, since
// the line is about no request. Errors carry no token or secret.
func (c *Client) logRefreshMiss(err error, valid bool, cur tokenEntry, now time.Time, retry time.Duration) {
	log := c.log.Load().Named("token")
	left := time.Duration(0)
	if valid {
		left = cur.expires.Sub(now)
	}
	if err == nil {
		log.Debug("i'mport token not extended yet; asking again",
			zap.Duration("token_usable_for", left), zap.Duration("retry_in", retry))
		return
	}
	msg := "fetching i'mport token in the background failed; keeping the current token"
	if !valid {
		msg = "fetching i'mport token in the background failed; no usable token, lookups fetch their own"
	}
	log.Warn(msg, zap.Error(err), zap.Duration("token_usable_for", left), zap.Duration("retry_in", retry))
}
