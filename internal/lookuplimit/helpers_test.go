package lookuplimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// eventually polls cond until it holds, failing the test after 5 s. The
// polling interval is not a timing assumption: cond is what is waited for.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waits is an Observer that keeps every report.
type waits struct {
	mu       sync.Mutex
	waiting  int
	outcomes []string
	waited   []time.Duration
}

func (w *waits) Waiting(delta int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting += delta
}

func (w *waits) ObserveWait(outcome string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.outcomes = append(w.outcomes, outcome)
	w.waited = append(w.waited, d)
}

func (w *waits) count(outcome string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, o := range w.outcomes {
		if o == outcome {
			n++
		}
	}
	return n
}

func (w *waits) gauge() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waiting
}

// blockingSource is a Source whose lookups stay in flight until open is
// closed; it counts the lookups in flight and the most there ever were.
type blockingSource struct {
	open     chan struct{}
	inFlight atomic.Int64
	max      atomic.Int64
	calls    atomic.Int64
}

func newBlockingSource() *blockingSource { return &blockingSource{open: make(chan struct{})} }

func (s *blockingSource) Name() string           { return "blocking" }
func (s *blockingSource) ValidID(id []byte) bool { return len(id) > 0 }

func (s *blockingSource) Lookup(ctx context.Context, id string) (certification.Record, error) {
	s.calls.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.max.Load()
		if n <= m || s.max.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-s.open:
		return certification.Record{ImpUID: id}, nil
	case <-ctx.Done():
		return certification.Record{}, ctx.Err()
	}
}
