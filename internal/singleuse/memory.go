package singleuse

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultSweepInterval is how often a Memory store drops expired entries.
const DefaultSweepInterval = time.Minute

// memoryShards spreads entries over several locks so concurrent requests
// rarely wait on each other. It must be a power of two.
const memoryShards = 16

// Memory is a Store held in this process's memory, for a single gateway
// instance. Reservations vanish when the process exits.
//
// Each entry is a 16-byte digest of the id (see Key) and an 8-byte expiry
// in a Go map, about 56 bytes of heap in all (BenchmarkMemoryEntrySize).
// Expired entries stop counting at once and are removed by a background
// sweep every DefaultSweepInterval (one minute); Close stops that sweep and
// leaves no goroutine behind.
//
// Memory keeps its own expiry times rather than using go-cache so that the
// clock can be injected in tests and Close can stop the cleanup goroutine.
type Memory struct {
	now    func() time.Time
	shards [memoryShards]memoryShard

	closeOnce sync.Once
	stop      chan struct{}
	stopped   sync.WaitGroup
}

type memoryShard struct {
	mu      sync.Mutex
	closed  bool
	expires map[[keyBytes]byte]int64 // Unix nanoseconds
}

// NewMemory returns an empty Memory store that sweeps expired entries every
// DefaultSweepInterval until Close.
func NewMemory() *Memory {
	t := time.NewTicker(DefaultSweepInterval)
	return newMemory(time.Now, t.C, t.Stop)
}

// newMemory returns a store reading the time from now and sweeping on every
// tick; stopTicks is called when the sweeper exits.
func newMemory(now func() time.Time, ticks <-chan time.Time, stopTicks func()) *Memory {
	m := &Memory{now: now, stop: make(chan struct{})}
	for i := range m.shards {
		m.shards[i].expires = make(map[[keyBytes]byte]int64)
	}
	m.stopped.Add(1)
	go m.sweepLoop(ticks, stopTicks)
	return m
}

func (m *Memory) sweepLoop(ticks <-chan time.Time, stopTicks func()) {
	defer m.stopped.Done()
	defer stopTicks()
	for {
		select {
		case <-m.stop:
			return
		case <-ticks:
			m.sweep()
		}
	}
}

// sweep deletes every expired entry.
func (m *Memory) sweep() {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		now := m.now().UnixNano()
		for k, exp := range s.expires {
			if exp <= now {
				delete(s.expires, k)
			}
		}
		s.mu.Unlock()
	}
}

func (m *Memory) shard(k [keyBytes]byte) *memoryShard {
	return &m.shards[k[0]&(memoryShards-1)]
}

// Reserve marks id as used for ttl and reports whether this call did so. An
// entry whose ttl has run out counts as absent. It fails for an empty id, a
// ttl that is not positive, or a closed store; ctx is not consulted because
// the call never blocks on anything but a short lock.
func (m *Memory) Reserve(_ context.Context, id string, ttl time.Duration) (bool, error) {
	if err := checkArgs(id, ttl); err != nil {
		return false, fmt.Errorf("reserving in memory: %w", err)
	}
	k := digest(id)
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, fmt.Errorf("reserving in memory: %w", ErrClosed)
	}
	now := m.now().UnixNano()
	if exp, ok := s.expires[k]; ok && exp > now {
		return false, nil
	}
	s.expires[k] = now + int64(ttl)
	return true, nil
}

// Release forgets id's reservation, if any. It fails only for a closed store.
func (m *Memory) Release(_ context.Context, id string) error {
	k := digest(id)
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("releasing in memory: %w", ErrClosed)
	}
	delete(s.expires, k)
	return nil
}

// Len returns the number of entries held, including expired ones that the
// sweep has not yet removed.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.expires)
		s.mu.Unlock()
	}
	return n
}

// Close stops the sweep goroutine, waits for it to exit and drops every
// entry. Later calls to Reserve and Release return ErrClosed; closing twice
// is harmless.
func (m *Memory) Close() error {
	m.closeOnce.Do(func() {
		close(m.stop)
		m.stopped.Wait()
		for i := range m.shards {
			s := &m.shards[i]
			s.mu.Lock()
			s.closed = true
			s.expires = nil
			s.mu.Unlock()
		}
	})
	return nil
}
