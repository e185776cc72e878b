package lookuplimit

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/clocktest"
)

func TestNewRefusesConcurrencyOutOfRange(t *testing.T) {
	tests := []struct {
		n    int
		good bool
	}{
		{-1, false}, {0, false}, {1, true}, {DefaultConcurrency, true}, {MaxConcurrency, true}, {MaxConcurrency + 1, false},
	}
	for _, tt := range tests {
		l, err := New(tt.n, Options{})
		if tt.good != (err == nil) {
			t.Errorf("New(%d) error %v, want success %v", tt.n, err, tt.good)
		}
		if err == nil && l.Cap() != tt.n {
			t.Errorf("New(%d).Cap() = %d", tt.n, l.Cap())
		}
	}
}

// TestLookupsInFlightNeverExceedTheCap starts many more lookups than the
// cap through Wrap, holds them at the source until every slot is taken and
// the rest wait, and checks the source never saw more than the cap at once.
func TestLookupsInFlightNeverExceedTheCap(t *testing.T) {
	const capacity, callers = 3, 40
	obs := &waits{}
	l, err := New(capacity, Options{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	src := newBlockingSource()
	limited := l.Wrap(src)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			if _, err := limited.Lookup(context.Background(), "imp_1"); err != nil {
				errs <- err
			}
		})
	}
	eventually(t, "every slot taken and the rest waiting", func() bool {
		return src.inFlight.Load() == capacity && l.Waiting() == callers-capacity && obs.gauge() == callers-capacity
	})
	if l.InFlight() != capacity {
		t.Fatalf("InFlight = %d, want %d", l.InFlight(), capacity)
	}
	close(src.open)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("lookup: %v", err)
	}
	if got := src.max.Load(); got != capacity {
		t.Fatalf("at most %d lookups in flight at the source, want exactly the cap %d", got, capacity)
	}
	if src.calls.Load() != callers || obs.count(OutcomeAcquired) != callers {
		t.Fatalf("calls %d, acquired %d, want %d each", src.calls.Load(), obs.count(OutcomeAcquired), callers)
	}
	if l.InFlight() != 0 || l.Waiting() != 0 || obs.gauge() != 0 {
		t.Fatalf("after the lookups: in flight %d, waiting %d (gauge %d), want 0", l.InFlight(), l.Waiting(), obs.gauge())
	}
}

// TestWaitEnds covers the ways a wait for a slot ends without one: the
// client going away (context cancelled) and the time budget ending
// (deadline). Both leave at once, take no slot and are refused as
// unavailable; the wait time is measured on the injected clock.
func TestWaitEnds(t *testing.T) {
	tests := []struct {
		name    string
		end     func(cancel context.CancelFunc, expire func())
		cause   error
		outcome string
	}{
		{"client went away", func(cancel context.CancelFunc, _ func()) { cancel() }, context.Canceled, OutcomeAbandoned},
		{"time budget ended", func(_ context.CancelFunc, expire func()) { expire() }, context.DeadlineExceeded, OutcomeTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := clocktest.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			obs := &waits{}
			l, _ := New(1, Options{Observer: obs, Now: clock.Now})
			holder, err := l.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer holder()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			dctx := newDeadlineCtx(ctx)
			done := make(chan error, 1)
			go func() {
				release, err := l.Acquire(dctx)
				if release != nil {
					release()
				}
				done <- err
			}()
			eventually(t, "the caller waiting", func() bool { return l.Waiting() == 1 })
			clock.Advance(3 * time.Second)
			tt.end(cancel, dctx.expire)
			var got error
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the waiting caller did not leave the queue when its context ended")
			}
			for _, want := range []error{ErrNoSlot, certification.ErrUnavailable, tt.cause} {
				if !errors.Is(got, want) {
					t.Errorf("error %v does not wrap %v", got, want)
				}
			}
			if l.InFlight() != 1 || l.Waiting() != 0 || obs.gauge() != 0 {
				t.Fatalf("in flight %d, waiting %d (gauge %d): want the holder's slot only, and no waiter", l.InFlight(), l.Waiting(), obs.gauge())
			}
			if obs.count(tt.outcome) != 1 || obs.waited[len(obs.waited)-1] != 3*time.Second {
				t.Fatalf("observed %v %v, want one %s after 3s", obs.outcomes, obs.waited, tt.outcome)
			}
		})
	}
}

func TestAcquireWithAnEndedContextIsUnavailableButNotARefusal(t *testing.T) {
	obs := &waits{}
	l, _ := New(2, Options{Observer: obs})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	release, err := l.Acquire(ctx)
	if release != nil || !errors.Is(err, certification.ErrUnavailable) || errors.Is(err, ErrNoSlot) {
		t.Fatalf("Acquire = %v, %v; want no slot, ErrUnavailable without ErrNoSlot", release != nil, err)
	}
	if l.InFlight() != 0 || len(obs.outcomes) != 0 {
		t.Fatalf("in flight %d, observed %v; want nothing", l.InFlight(), obs.outcomes)
	}
}

func TestASlotFreeAtOnceIsObservedWithNoWait(t *testing.T) {
	obs := &waits{}
	l, _ := New(1, Options{Observer: obs})
	release, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if len(obs.outcomes) != 1 || obs.outcomes[0] != OutcomeAcquired || obs.waited[0] != 0 || obs.gauge() != 0 {
		t.Fatalf("observed %v %v gauge %d, want one acquired with no wait", obs.outcomes, obs.waited, obs.gauge())
	}
	if l.InFlight() != 0 {
		t.Fatalf("InFlight = %d after release", l.InFlight())
	}
}

func TestWrapRefusalNamesTheLimit(t *testing.T) {
	l, _ := New(1, Options{})
	holder, _ := l.Acquire(context.Background())
	defer holder()
	ctx := newDeadlineCtx(context.Background())
	ctx.expire()
	src := newBlockingSource()
	// A context already over is not a refusal by the limit; one that ends
	// while waiting is.
	if _, err := l.Wrap(src).Lookup(ctx, "imp_1"); errors.Is(err, ErrNoSlot) {
		t.Fatalf("err %v", err)
	}
	ctx2, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := l.Wrap(src).Lookup(ctx2, "imp_1")
	if !errors.Is(err, ErrNoSlot) || !strings.HasPrefix(err.Error(), "looking up verification: no lookup slot free") {
		t.Fatalf("err %v, want the limit's refusal", err)
	}
	if src.calls.Load() != 0 {
		t.Fatalf("the source was called %d times without a slot", src.calls.Load())
	}
}

// deadlineCtx is a context whose deadline passes when the test says so,
// with no timer involved; cancelling its parent cancels it.
type deadlineCtx struct {
	context.Context
	once sync.Once
	done chan struct{}
	err  error
	mu   sync.Mutex
}

func newDeadlineCtx(parent context.Context) *deadlineCtx {
	c := &deadlineCtx{Context: parent, done: make(chan struct{})}
	go func() {
		select {
		case <-parent.Done():
			c.end(parent.Err())
		case <-c.done:
		}
	}()
	return c
}

func (c *deadlineCtx) end(err error) {
	c.once.Do(func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	})
}

func (c *deadlineCtx) expire()                     { c.end(context.DeadlineExceeded) }
func (c *deadlineCtx) Done() <-chan struct{}       { return c.done }
func (c *deadlineCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *deadlineCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func TestWrapUnwrapsToTheSourceItWraps(t *testing.T) {
	l, _ := New(1, Options{})
	src := newBlockingSource()
	w, ok := l.Wrap(src).(interface{ Unwrap() certification.Source })
	if !ok || w.Unwrap() != certification.Source(src) {
		t.Fatal("the wrapped source is not reachable through Unwrap")
	}
}
