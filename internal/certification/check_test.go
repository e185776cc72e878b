package certification

import (
	"testing"
	"time"
)

func TestSkewAtComparesTheMiddleOfTheSecondWithTheMiddleOfTheRoundTrip(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name           string
		serverSecs     int64
		sent, received time.Time
		skew, bound    time.Duration
	}{
		{"same clock, instant round trip", 1_700_000_000, base.Add(500 * time.Millisecond), base.Add(500 * time.Millisecond), 0, 500 * time.Millisecond},
		{"source 10 s ahead", 1_700_000_010, base, base, 10*time.Second + 500*time.Millisecond, 500 * time.Millisecond},
		{"source 1 min behind", 1_699_999_940, base, base, -59*time.Second - 500*time.Millisecond, 500 * time.Millisecond},
		{"a 2 s round trip widens the bound", 1_700_000_001, base, base.Add(2 * time.Second), 500 * time.Millisecond, 1500 * time.Millisecond},
		{"a clock stepping back counts as no round trip", 1_700_000_000, base, base.Add(-time.Second), 500 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skew, bound := SkewAt(tt.serverSecs, tt.sent, tt.received)
			if skew != tt.skew || bound != tt.bound {
				t.Fatalf("SkewAt = %v ±%v, want %v ±%v", skew, bound, tt.skew, tt.bound)
			}
		})
	}
}
