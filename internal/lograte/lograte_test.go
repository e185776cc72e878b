package lograte

import (
	"testing"
	"time"
)

func TestALineIsDueFirstThenOncePerInterval(t *testing.T) {
	w := Window{Every: time.Second}
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		at    time.Duration
		due   bool
		since time.Duration
	}{
		{0, true, 0},
		{0, false, 0},
		{999 * time.Millisecond, false, 0},
		{time.Second, true, time.Second},
		{1500 * time.Millisecond, false, 0},
		{3 * time.Second, true, 2 * time.Second},
	}
	for _, s := range steps {
		due, since := w.Due(t0.Add(s.at))
		if due != s.due || since != s.since {
			t.Fatalf("at +%v: Due = %v, %v; want %v, %v", s.at, due, since, s.due, s.since)
		}
	}
}
