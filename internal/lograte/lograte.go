// Package lograte spaces out a log line that clients can make happen on
// every request (a lookup refused for want of a slot, the API refusing
// the gateway's credentials), so that they cannot make the gateway write
// a line per request: the line is written at most once per interval, and
// each one counts what happened since the one before.
package lograte

import "time"

// Window decides when such a line may be written again. Its zero value
// with Every set is ready. It is not safe for concurrent use: callers hold
// the lock that also guards the counts their line reports.
type Window struct {
	// Every is the least time between two lines.
	Every time.Duration

	last time.Time // when the last line was written; zero before any
}

// Due reports whether a line may be written at now: the first time, then
// once Every has passed since the last line written. When it does, now
// becomes the last line's time, and since is the time since the one
// before (0 for the first line).
func (w *Window) Due(now time.Time) (due bool, since time.Duration) {
	if !w.last.IsZero() {
		since = now.Sub(w.last)
		if since < w.Every {
			return false, 0
		}
	}
	w.last = now
	return true, since
}
