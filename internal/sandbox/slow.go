package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// FaultSlow delays the answer by the fault's Delay, then answers as if no
// fault were active: an i'mport that is slow but right. The delay ends
// early when the client gives up.
const FaultSlow FaultName = "slow"

// MaxDelay is the longest Delay a FaultSlow accepts.
const MaxDelay = time.Minute

// Delay is a duration written in JSON as a Go duration string, e.g.
// "300ms".
type Delay time.Duration

// MarshalJSON writes the delay as a duration string.
func (d Delay) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "300ms" or "2s".
func (d *Delay) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("delay: want a duration string such as \"300ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("delay: %w", err)
	}
	*d = Delay(v)
	return nil
}

// checkDelay refuses a FaultSlow without a delay in (0, MaxDelay], and a
// delay on any other fault.
func (f Fault) checkDelay() error {
	if f.Name != FaultSlow {
		if f.Delay != 0 {
			return fmt.Errorf("fault %q takes no delay", f.Name)
		}
		return nil
	}
	if f.Delay <= 0 || time.Duration(f.Delay) > MaxDelay {
		return fmt.Errorf("fault %q needs a delay between 0 and %v", f.Name, MaxDelay)
	}
	return nil
}

// slowDown waits out f's delay when f is FaultSlow and reports whether the
// call should then be answered normally (true) rather than by answerFault.
// The wait ends early when r's context does (net/http notices a client
// that went away once the request body has been read; certification calls
// have none).
func slowDown(r *http.Request, f Fault) bool {
	if f.Name != FaultSlow {
		return false
	}
	t := time.NewTimer(time.Duration(f.Delay))
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
	return true
}

// trackInFlight counts a certification call in flight until the returned
// function is called, keeping the most there ever were at once.
func (s *Server) trackInFlight() func() {
	n := s.certInFlight.Add(1)
	for {
		m := s.certMaxInFlight.Load()
		if n <= m || s.certMaxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { s.certInFlight.Add(-1) }
}
