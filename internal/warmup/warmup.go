// Package warmup runs set-up work in the background the first time it is
// needed, such as when a Caddy handler first serves a request (never while
// the config is provisioned: `caddy validate` provisions too), and lets
// the callers that need its result wait for it.
//
// A Task runs its function once it is started. While the function runs,
// every caller waits for that one run; once it has succeeded, Start and
// Wait cost one atomic load. After a failure, the next Start or Wait runs
// the function again, but not before RetryDelay has passed since the
// failure, so that a broken dependency is not hammered by every request.
package warmup

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRetryDelay is the least time between a failed run and the next.
const DefaultRetryDelay = 5 * time.Second

// ErrStopped is returned by Wait after Stop.
var ErrStopped = errors.New("warm-up stopped")

// Options configure a Task.
type Options struct {
	// RetryDelay is the least time between a failed run and the next; 0
	// means DefaultRetryDelay.
	RetryDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Task is background set-up work started on first use. It is safe for
// concurrent use.
type Task struct {
	run    func(ctx context.Context) error
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	ok     atomic.Bool

	mu      sync.Mutex
	cur     *attempt
	stopped bool
}

type attempt struct {
	done  chan struct{} // closed when the run returns
	err   error         // set before done is closed
	ended time.Time
}

// New returns a Task that will call run. run receives a context that is
// cancelled by Stop; goroutines it starts with that context (a periodic
// refresh, say) live until then.
func New(run func(ctx context.Context) error, opts Options) *Task {
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Task{run: run, opts: opts, ctx: ctx, cancel: cancel}
}

// Start runs the function in the background unless it is running, has
// succeeded, failed less than RetryDelay ago, or the task was stopped.
func (t *Task) Start() {
	if t.ok.Load() {
		return
	}
	t.mu.Lock()
	t.startLocked()
	t.mu.Unlock()
}

// Wait starts the function as Start does and waits for the run in
// progress. It returns nil once a run has succeeded, the error of the last
// run while RetryDelay has not passed since it failed, ctx's error when ctx
// ends first, or ErrStopped.
func (t *Task) Wait(ctx context.Context) error {
	if t.ok.Load() {
		return nil
	}
	t.mu.Lock()
	a := t.startLocked()
	t.mu.Unlock()
	if a == nil {
		return ErrStopped
	}
	select {
	case <-a.done:
		return a.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop cancels the context given to the function. Later calls of Start do
// nothing and Wait returns ErrStopped (or nil if a run had succeeded).
func (t *Task) Stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
	t.cancel()
}

// startLocked returns the attempt to wait for, starting one if needed, or
// nil after Stop. t.mu is held.
func (t *Task) startLocked() *attempt {
	if t.stopped {
		return nil
	}
	if a := t.cur; a != nil {
		select {
		case <-a.done:
			if a.err == nil || t.opts.Now().Before(a.ended.Add(t.opts.RetryDelay)) {
				return a
			}
		default:
			return a // running
		}
	}
	a := &attempt{done: make(chan struct{})}
	t.cur = a
	go func() {
		err := t.run(t.ctx)
		a.err = err
		a.ended = t.opts.Now()
		if err == nil {
			t.ok.Store(true)
		}
		close(a.done)
	}()
	return a
}
