package singleuse

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

// newTestMemory returns a store on a fake clock whose sweeps run when the
// test sends on the returned channel.
func newTestMemory(t *testing.T) (*Memory, *clocktest.Clock, chan time.Time) {
	t.Helper()
	clock := newFakeClock()
	ticks := make(chan time.Time)
	m := newMemory(clock.Now, ticks, func() {})
	t.Cleanup(func() { _ = m.Close() })
	return m, clock, ticks
}

func TestMemoryReserve(t *testing.T) {
	ctx := context.Background()
	type step struct {
		advance time.Duration
		release bool
		id      string
		want    bool
	}
	const ttl = 10 * time.Minute
	tests := []struct {
		name  string
		steps []step
	}{
		{"first reserve wins and the second loses", []step{{id: "imp_1", want: true}, {id: "imp_1", want: false}}},
		{"different ids do not interfere", []step{{id: "imp_1", want: true}, {id: "imp_2", want: true}}},
		{"release lets the id pass again", []step{{id: "imp_1", want: true}, {release: true, id: "imp_1"}, {id: "imp_1", want: true}, {id: "imp_1", want: false}}},
		{"release of an unknown id is harmless", []step{{release: true, id: "imp_9"}, {id: "imp_9", want: true}}},
		{"still reserved one nanosecond before the ttl", []step{{id: "imp_1", want: true}, {advance: ttl - 1, id: "imp_1", want: false}}},
		{"free again exactly at the ttl", []step{{id: "imp_1", want: true}, {advance: ttl, id: "imp_1", want: true}}},
		{"a losing reserve does not extend the ttl", []step{{id: "imp_1", want: true}, {advance: ttl / 2, id: "imp_1", want: false}, {advance: ttl / 2, id: "imp_1", want: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, clock, _ := newTestMemory(t)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				if s.release {
					if err := m.Release(ctx, s.id); err != nil {
						t.Fatalf("step %d: Release: %v", i, err)
					}
					continue
				}
				got, err := m.Reserve(ctx, s.id, ttl)
				if err != nil {
					t.Fatalf("step %d: Reserve: %v", i, err)
				}
				if got != s.want {
					t.Fatalf("step %d: Reserve(%q) = %v, want %v", i, s.id, got, s.want)
				}
			}
		})
	}
}

func TestMemoryReserveRejectsBadArguments(t *testing.T) {
	m, _, _ := newTestMemory(t)
	tests := []struct {
		name string
		id   string
		ttl  time.Duration
	}{
		{"empty id", "", time.Minute},
		{"zero ttl", "imp_1", 0},
		{"negative ttl", "imp_1", -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := m.Reserve(context.Background(), tt.id, tt.ttl)
			if err == nil || ok {
				t.Fatalf("Reserve(%q, %v) = %v, %v; want false and an error", tt.id, tt.ttl, ok, err)
			}
		})
	}
}

func TestMemoryConcurrentReserveHasExactlyOneWinner(t *testing.T) {
	m, _, _ := newTestMemory(t)
	if wins := raceReserve(t, []Store{m}, "imp_race", 50); wins != 1 {
		t.Fatalf("%d of 50 concurrent reserves won, want exactly 1", wins)
	}
}

func TestMemorySweepRemovesOnlyExpiredEntries(t *testing.T) {
	m, clock, ticks := newTestMemory(t)
	ctx := context.Background()
	if _, err := m.Reserve(ctx, "imp_short", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reserve(ctx, "imp_long", time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	// The sweeper takes the first tick, sweeps, and can only take the
	// second once the first sweep is over.
	ticks <- time.Time{}
	ticks <- time.Time{}
	if n := m.Len(); n != 1 {
		t.Fatalf("Len after sweep = %d, want 1", n)
	}
	if ok, _ := m.Reserve(ctx, "imp_long", time.Hour); ok {
		t.Fatal("the sweep removed an entry that had not expired")
	}
}

// TestMemoryCloseLeavesNoGoroutine counts only the sweep goroutines this
// test's own goroutine started, found by their stacks. A count of every
// goroutine in the process (runtime.NumGoroutine) is not a measure of this
// store: the sweeper of an earlier test's store, closed in its cleanup, has
// called stopped.Done but may not have returned yet, and when it returns
// between two counts it hides the goroutine NewMemory starts
// ("3 before, 3 after").
func TestMemoryCloseLeavesNoGoroutine(t *testing.T) {
	if n := sweepersStartedHere(); n != 0 {
		t.Fatalf("%d sweepers started by this goroutine before NewMemory", n)
	}
	m := NewMemory()
	if n := sweepersStartedHere(); n != 1 {
		t.Fatalf("NewMemory started %d sweep goroutines, want 1; the test would prove nothing", n)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Close has waited for the sweeper's Done; the goroutine still has to
	// return from its deferred calls, so give it a bounded moment.
	deadline := time.Now().Add(2 * time.Second)
	for sweepersStartedHere() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sweep goroutines left after Close", sweepersStartedHere())
		}
		runtime.Gosched()
	}
}

// sweepersStartedHere returns how many live goroutines newMemory started
// when called from the calling goroutine, as the stacks of all goroutines
// tell: Go prints "created by <func> in goroutine <id>" under each one,
// also under one that has not started running yet (whose top frame is then
// newMemory.gowrap1, not sweepLoop). newMemory starts only the sweeper.
func sweepersStartedHere() int {
	self := make([]byte, 64)
	self = self[:runtime.Stack(self, false)]
	// "goroutine 18 [running]:..."
	id, _, _ := strings.Cut(strings.TrimPrefix(string(self), "goroutine "), " ")
	creator := "created by github.com/verigate/caddy-iamport/internal/singleuse.newMemory in goroutine " + id + "\n"
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, creator) {
			count++
		}
	}
	return count
}

func TestMemoryUseAfterCloseFails(t *testing.T) {
	m, _, _ := newTestMemory(t)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	ok, err := m.Reserve(context.Background(), "imp_1", time.Minute)
	if ok || !errors.Is(err, ErrClosed) {
		t.Fatalf("Reserve after Close = %v, %v; want false, ErrClosed", ok, err)
	}
	if err := m.Release(context.Background(), "imp_1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Release after Close = %v, want ErrClosed", err)
	}
}

// entryBudget is the most memory one reservation may cost.
const entryBudget = 256

// measureEntrySize fills a fresh store with n entries and returns the
// growth of the live heap per entry.
func measureEntrySize(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewMemory()
	ctx := context.Background()
	for i := range n {
		if _, err := m.Reserve(ctx, fmt.Sprintf("imp_%012d", i), time.Hour); err != nil {
			panic(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perEntry := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	runtime.KeepAlive(m)
	_ = m.Close()
	return perEntry
}

func TestMemoryEntrySizeWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store with 200,000 entries")
	}
	if got := measureEntrySize(200_000); got > entryBudget {
		t.Fatalf("%.1f bytes per entry, want at most %d", got, entryBudget)
	}
}

func BenchmarkMemoryEntrySize(b *testing.B) {
	var perEntry float64
	for range b.N {
		perEntry = measureEntrySize(1_000_000)
	}
	b.ReportMetric(perEntry, "B/entry")
}

func BenchmarkMemoryReserve(b *testing.B) {
	m := NewMemory()
	defer m.Close()
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("imp_%012d", i)
	}
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := m.Reserve(ctx, ids[i&(len(ids)-1)], time.Minute); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
