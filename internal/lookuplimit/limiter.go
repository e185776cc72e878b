package lookuplimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// DefaultConcurrency is the number of lookups allowed in flight at once
// when none is configured: far above what a real site needs (64 calls of
// 300 ms each are over 200 verifications a second).
const DefaultConcurrency = 64

// MaxConcurrency is the largest concurrency New accepts.
const MaxConcurrency = 10000

// ErrNoSlot is wrapped, together with certification.ErrUnavailable, by
// the error Acquire returns when the caller's context ended before a slot
// was free.
var ErrNoSlot = errors.New("no lookup slot free within the time budget")

// The outcomes given to Observer.ObserveWait.
const (
	// OutcomeAcquired is a slot taken, at once or after waiting.
	OutcomeAcquired = "acquired"
	// OutcomeTimeout is a caller whose deadline passed while it waited.
	OutcomeTimeout = "timeout"
	// OutcomeAbandoned is a caller whose context was cancelled while it
	// waited, usually because its client went away.
	OutcomeAbandoned = "abandoned"
)

// Observer receives the limiter's measurements, for metrics. Its methods
// must be safe for concurrent use and return quickly.
type Observer interface {
	// Waiting is called with +1 when a caller starts waiting for a slot
	// and with -1 when it stops, however it stops.
	Waiting(delta int)
	// ObserveWait is called once per Acquire with its outcome and the
	// time the caller waited (zero when a slot was free at once).
	ObserveWait(outcome string, waited time.Duration)
}

// Options configures a Limiter. The zero value is usable.
type Options struct {
	// Observer, if set, is told about every wait.
	Observer Observer
	// Logger receives the rate-bounded refusal lines; default zap.NewNop().
	Logger *zap.Logger
	// Now is the clock for wait times and the log rate, default time.Now.
	Now func() time.Time
	// LogEvery is the least time between two refusal lines, default
	// DefaultLogEvery (1 s).
	LogEvery time.Duration
	// Reserve is the least time a caller with a deadline keeps for its
	// call: it stops waiting for a slot that much before its deadline
	// (or half its remaining time, when less is left). Default
	// DefaultReserve (1 s); negative means none.
	Reserve time.Duration
	// After is the timer of that earlier end, default time.After; tests
	// inject their own.
	After func(time.Duration) <-chan time.Time
}

// DefaultReserve is Options.Reserve when none is given. A call started
// with less time left than the source takes is cut off by its deadline:
// it costs the merchant a call whose answer nobody uses, and the source
// goes on answering it after the gateway let go of the slot.
const DefaultReserve = time.Second

// Limiter bounds the lookups in flight. It is safe for concurrent use.
type Limiter struct {
	slots    chan struct{}
	waiting  atomic.Int64
	now      func() time.Time
	after    func(time.Duration) <-chan time.Time
	reserve  time.Duration
	obs      Observer
	refusals *refusalLog
	// releaseFn is l.release, bound once in New: a method value made in
	// Acquire would cost every lookup a heap allocation.
	releaseFn func()
}

// New returns a Limiter allowing n lookups in flight at once. n must be
// between 1 and MaxConcurrency.
func New(n int, o Options) (*Limiter, error) {
	if n < 1 || n > MaxConcurrency {
		return nil, fmt.Errorf("lookup concurrency %d: want 1 to %d", n, MaxConcurrency)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.After == nil {
		o.After = time.After
	}
	switch {
	case o.Reserve == 0:
		o.Reserve = DefaultReserve
	case o.Reserve < 0:
		o.Reserve = 0
	}
	l := &Limiter{
		slots:    make(chan struct{}, n),
		now:      o.Now,
		after:    o.After,
		reserve:  o.Reserve,
		obs:      o.Observer,
		refusals: newRefusalLog(o.Now, o.LogEvery, n),
	}
	l.releaseFn = l.release
	l.SetLogger(o.Logger)
	return l, nil
}

// Cap returns the number of lookups allowed in flight at once.
func (l *Limiter) Cap() int { return cap(l.slots) }

// Waiting returns the number of callers waiting for a slot now.
func (l *Limiter) Waiting() int { return int(l.waiting.Load()) }

// SetLogger replaces the logger of the refusal lines; nil means none. A
// limiter shared across config reloads is handed the newest config's
// logger this way.
func (l *Limiter) SetLogger(log *zap.Logger) { l.refusals.setLogger(log) }

// Acquire takes a slot, waiting for one while ctx lasts, and returns the
// function that gives it back, which the caller must call exactly once
// when its call to the source is over. A caller whose ctx has a deadline
// stops waiting early enough to keep a reserve for its call (see
// Options.Reserve). When the wait ends without a slot, Acquire returns an
// error wrapping ErrNoSlot, certification.ErrUnavailable and ctx's error
// (context.DeadlineExceeded when the reserve ended it). A ctx already
// over when Acquire is called gets an error wrapping
// certification.ErrUnavailable and ctx's error but not ErrNoSlot.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		// Over before it asked: not a refusal by the limit.
		return nil, fmt.Errorf("lookup not started: %w: %w", certification.ErrUnavailable, err)
	}
	select {
	case l.slots <- struct{}{}:
		l.obs.ObserveWait(OutcomeAcquired, 0)
		return l.releaseFn, nil
	default:
	}

	start := l.now()
	giveUp := l.giveUp(ctx, start)
	l.waiting.Add(1)
	l.obs.Waiting(1)
	defer func() {
		l.waiting.Add(-1)
		l.obs.Waiting(-1)
	}()
	select {
	case l.slots <- struct{}{}:
		// When a slot and the end of ctx come together, select may pick
		// either: a caller whose context is over makes no call.
		if err := ctx.Err(); err != nil {
			l.release()
			return nil, l.refuse(ctx, err, l.now().Sub(start))
		}
		l.obs.ObserveWait(OutcomeAcquired, l.now().Sub(start))
		return l.releaseFn, nil
	case <-ctx.Done():
		return nil, l.refuse(ctx, ctx.Err(), l.now().Sub(start))
	case <-giveUp:
		return nil, l.refuse(ctx, context.DeadlineExceeded, l.now().Sub(start))
	}
}

// giveUp returns a channel that fires when a caller with ctx should stop
// waiting to keep its reserve: the reserve, or half the time left when
// that is less, before ctx's deadline. It is nil (never fires) when ctx
// has no deadline or there is no reserve.
func (l *Limiter) giveUp(ctx context.Context, now time.Time) <-chan time.Time {
	deadline, ok := ctx.Deadline()
	if !ok || l.reserve <= 0 {
		return nil
	}
	left := deadline.Sub(now)
	return l.after(left - min(l.reserve, left/2))
}

func (l *Limiter) release() { <-l.slots }

// refuse records a caller that got no slot and builds its error.
func (l *Limiter) refuse(ctx context.Context, cause error, waited time.Duration) error {
	outcome := OutcomeTimeout
	if errors.Is(cause, context.Canceled) || errors.Is(context.Cause(ctx), context.Canceled) {
		outcome = OutcomeAbandoned
	}
	l.obs.ObserveWait(outcome, waited)
	l.refusals.add(outcome, l.Waiting())
	return fmt.Errorf("%w (%d in flight): %w: %w", ErrNoSlot, l.Cap(), certification.ErrUnavailable, cause)
}

type nopObserver struct{}

func (nopObserver) Waiting(int)                       {}
func (nopObserver) ObserveWait(string, time.Duration) {}
