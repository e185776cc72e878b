package lookuplimit

import (
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/lograte"
)

// DefaultLogEvery is the least time between two refusal lines.
const DefaultLogEvery = time.Second

// refusalLog writes the refusals at a bounded rate: the first refusal is
// logged at once, later ones at most once per every, each line counting
// the refusals since the line before (a count is written with the next
// refusal after the interval; the metrics count every refusal at once).
type refusalLog struct {
	log      atomic.Pointer[zap.Logger]
	now      func() time.Time
	capacity int

	mu        sync.Mutex
	window    lograte.Window
	timedOut  int
	abandoned int
}

func newRefusalLog(now func() time.Time, every time.Duration, capacity int) *refusalLog {
	if every <= 0 {
		every = DefaultLogEvery
	}
	return &refusalLog{now: now, window: lograte.Window{Every: every}, capacity: capacity}
}

func (r *refusalLog) setLogger(l *zap.Logger) {
	if l == nil {
		l = zap.NewNop()
	}
	r.log.Store(l)
}

// add counts one refusal and writes a line if the last one is old enough.
func (r *refusalLog) add(outcome string, waiting int) {
	now := r.now()
	r.mu.Lock()
	if outcome == OutcomeAbandoned {
		r.abandoned++
	} else {
		r.timedOut++
	}
	due, since := r.window.Due(now)
	if !due {
		r.mu.Unlock()
		return
	}
	timedOut, abandoned := r.timedOut, r.abandoned
	r.timedOut, r.abandoned = 0, 0
	r.mu.Unlock()

	r.log.Load().Warn("lookups refused: no lookup slot came free in time",
		zap.Int("timed_out", timedOut),
		zap.Int("abandoned", abandoned),
		zap.Duration("since_last_line", since),
		zap.Int("lookup_concurrency", r.capacity),
		zap.Int("waiting", waiting))
}
