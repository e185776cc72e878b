package lookuplimit

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

// TestRefusalsAreLoggedAtABoundedRate refuses a flood of lookups on an
// injected clock: one line at the first refusal, none within the next
// second however many follow, then one line carrying their count.
func TestRefusalsAreLoggedAtABoundedRate(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := clocktest.New(t0)
	core, logs := observer.New(zap.InfoLevel)
	r := newRefusalLog(clock.Now, 0, 64)
	r.setLogger(zap.New(core))

	steps := []struct {
		at        time.Duration
		timedOut  int
		abandoned int
		wantLines int
		wantLast  map[string]int64 // fields of the newest line when one is due
	}{
		{0, 1, 0, 1, map[string]int64{"timed_out": 1, "abandoned": 0}},
		{0, 5000, 20, 1, nil},
		{999 * time.Millisecond, 100, 0, 1, nil},
		{time.Second, 1, 0, 2, map[string]int64{"timed_out": 5101, "abandoned": 20, "since_last_line": int64(time.Second)}},
		{1500 * time.Millisecond, 7, 0, 2, nil},
		{10 * time.Second, 0, 1, 3, map[string]int64{"timed_out": 7, "abandoned": 1, "since_last_line": int64(9 * time.Second)}},
	}
	for i, s := range steps {
		clock.Set(t0.Add(s.at))
		for range s.timedOut {
			r.add(OutcomeTimeout, 3)
		}
		for range s.abandoned {
			r.add(OutcomeAbandoned, 3)
		}
		if got := logs.Len(); got != s.wantLines {
			t.Fatalf("step %d (t+%v): %d lines, want %d", i, s.at, got, s.wantLines)
		}
		if s.wantLast == nil {
			continue
		}
		all := logs.All()
		last := all[len(all)-1]
		if last.Level != zap.WarnLevel {
			t.Fatalf("step %d: level %v, want warn", i, last.Level)
		}
		fields := last.ContextMap()
		for k, want := range s.wantLast {
			var got int64
			switch v := fields[k].(type) {
			case int64:
				got = v
			case time.Duration:
				got = int64(v)
			}
			if got != want {
				t.Fatalf("step %d: field %s = %v, want %d (fields %v)", i, k, fields[k], want, fields)
			}
		}
		if fields["lookup_concurrency"] != int64(64) || fields["waiting"] != int64(3) {
			t.Fatalf("step %d: fields %v lack the concurrency and the waiting count", i, fields)
		}
	}
}

// TestARefusalByTheLimiterIsLogged checks the limiter feeds its refusals
// to the log.
func TestARefusalByTheLimiterIsLogged(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	l, _ := New(1, Options{Logger: zap.New(core)})
	holder, _ := l.Acquire(context.Background())
	defer holder()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(ctx); err == nil {
		t.Fatal("acquired a slot the holder still has")
	}
	if logs.FilterMessage("lookups refused: no lookup slot came free in time").Len() != 1 {
		t.Fatalf("log lines %v, want one refusal line", logs.All())
	}
}
