package lookuplimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/clocktest"
)

// fakeAfter is an Options.After that records the durations asked for and
// fires only when the test says so.
type fakeAfter struct {
	mu    sync.Mutex
	asked []time.Duration
	ch    chan time.Time
}

func (f *fakeAfter) after(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, d)
	return f.ch
}

func (f *fakeAfter) got() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.asked...)
}

// TestWaitKeepsAReserveForTheCall: a caller with a deadline stops waiting
// its reserve (1 s, or half the time left when less) before the deadline,
// so that a call it starts is not cut off; the refusal comes while its
// context is still live.
func TestWaitKeepsAReserveForTheCall(t *testing.T) {
	t0 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) // far ahead: no real deadline fires
	tests := []struct {
		name     string
		reserve  time.Duration
		deadline time.Duration // from t0; 0 means none
		want     time.Duration // asked of After; 0 means no timer
	}{
		{"ten seconds left keep one", 0, 10 * time.Second, 9 * time.Second},
		{"one second left keeps half", 0, time.Second, 500 * time.Millisecond},
		{"a reserve of one's own", 3 * time.Second, 10 * time.Second, 7 * time.Second},
		{"no reserve", -1, 10 * time.Second, 0},
		{"no deadline", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := clocktest.New(t0)
			fa := &fakeAfter{ch: make(chan time.Time, 1)}
			obs := &waits{}
			l, _ := New(1, Options{Now: clock.Now, After: fa.after, Reserve: tt.reserve, Observer: obs})
			holder, _ := l.Acquire(context.Background())
			defer holder()

			ctx, cancel := context.WithCancel(context.Background())
			if tt.deadline > 0 {
				ctx, cancel = context.WithDeadline(context.Background(), t0.Add(tt.deadline))
			}
			defer cancel()
			done := make(chan error, 1)
			go func() {
				release, err := l.Acquire(ctx)
				if release != nil {
					release()
				}
				done <- err
			}()
			eventually(t, "the caller waiting", func() bool { return l.Waiting() == 1 })
			asked := fa.got()
			if tt.want == 0 {
				if len(asked) != 0 {
					t.Fatalf("asked for a timer of %v, want none", asked)
				}
				cancel()
				<-done
				return
			}
			if len(asked) != 1 || asked[0] != tt.want {
				t.Fatalf("asked for timers %v, want one of %v", asked, tt.want)
			}
			clock.Advance(tt.want)
			fa.ch <- clock.Now()
			err := <-done
			for _, want := range []error{ErrNoSlot, certification.ErrUnavailable, context.DeadlineExceeded} {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not wrap %v", err, want)
				}
			}
			if ctx.Err() != nil {
				t.Fatal("the refusal came only when the context ended, not at the reserve")
			}
			if obs.count(OutcomeTimeout) != 1 || obs.waited[len(obs.waited)-1] != tt.want {
				t.Fatalf("observed %v %v, want one timeout after %v", obs.outcomes, obs.waited, tt.want)
			}
		})
	}
}
