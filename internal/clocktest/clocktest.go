// Package clocktest provides a settable clock for tests of code that takes
// a `Now func() time.Time` (and, for code that waits, an
// `After func(time.Duration) <-chan time.Time`), so that expiry, freshness,
// age and refresh rules are tested without sleeping.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when the test moves it. It is safe for
// concurrent use.
type Clock struct {
	mu      sync.Mutex
	t       time.Time
	waiters []waiter
	changed chan struct{} // closed when waiters change; nil when nobody waits for that
}

// waiter is a pending After: its channel receives the clock's time once
// the clock reaches at.
type waiter struct {
	at time.Time
	ch chan time.Time
}

// New returns a clock reading t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; pass c.Now where a `func() time.Time` is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t and fires the timers that are due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
	c.fireLocked()
}

// Advance moves the clock forward by d (backward when d is negative) and
// fires the timers that are due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.fireLocked()
}

// After returns a channel that receives the clock's time once the clock
// has been moved d or more past its reading now (at once when d <= 0), like
// time.After on the real clock; pass c.After where a
// `func(time.Duration) <-chan time.Time` is wanted. A timer that is never
// due stays pending; nothing has to stop it.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{at: c.t.Add(d), ch: ch})
	c.fireLocked()
	return ch
}

// Pending returns the number of timers that have not fired yet.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Next returns when the earliest pending timer fires, and false when none
// is pending.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for i, w := range c.waiters {
		if i == 0 || w.at.Before(next) {
			next = w.at
		}
	}
	return next, len(c.waiters) > 0
}

// WaitPending blocks until at least n timers are pending, so that a test
// moves the clock only once the code under test waits on it. It does not
// sleep: it is woken by every After.
func (c *Clock) WaitPending(n int) {
	for {
		c.mu.Lock()
		if len(c.waiters) >= n {
			c.mu.Unlock()
			return
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		<-changed
	}
}

// fireLocked sends the time to every due waiter and forgets it. c.mu is
// held.
func (c *Clock) fireLocked() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.t // buffered, and sent to only once
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
	if c.changed != nil {
		close(c.changed)
		c.changed = nil // made again by the next WaitPending
	}
}
