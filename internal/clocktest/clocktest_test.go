package clocktest

import (
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("after Set: %v", c.Now())
	}
}

func TestAfterFiresWhenTheClockReachesIt(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		after   time.Duration
		advance time.Duration
		fired   bool
	}{
		{"not yet due", 10 * time.Second, 10*time.Second - time.Nanosecond, false},
		{"due exactly", 10 * time.Second, 10 * time.Second, true},
		{"overdue", 10 * time.Second, time.Minute, true},
		{"zero fires at once", 0, 0, true},
		{"negative fires at once", -time.Second, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(start)
			ch := c.After(tt.after)
			c.Advance(tt.advance)
			select {
			case got := <-ch:
				if !tt.fired {
					t.Fatalf("fired at %v", got)
				}
				if !got.Equal(c.Now()) {
					t.Fatalf("fired with %v, want the clock's time %v", got, c.Now())
				}
				if c.Pending() != 0 {
					t.Fatalf("pending %d after firing", c.Pending())
				}
			default:
				if tt.fired {
					t.Fatal("did not fire")
				}
				if next, ok := c.Next(); !ok || !next.Equal(start.Add(tt.after)) {
					t.Fatalf("Next = %v, %v; want %v", next, ok, start.Add(tt.after))
				}
			}
		})
	}
}

func TestWaitPendingReturnsOnceTheTimerIsSet(t *testing.T) {
	c := New(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	got := make(chan time.Time)
	go func() { got <- <-c.After(time.Minute) }()
	c.WaitPending(1)
	c.Advance(time.Minute)
	if at := <-got; !at.Equal(c.Now()) {
		t.Fatalf("fired with %v, want %v", at, c.Now())
	}
}
