package portone

import (
	"sync"
	"time"

	"github.com/verigate/caddy-iamport/internal/lograte"
)

// refusedSecretEvery is the least time between two warnings that PortOne
// refused the API secret.
const refusedSecretEvery = time.Second

// warnRate lets a repeated warning through at most once per interval and
// counts the ones it held back. A refused secret fails every lookup, and
// clients decide how many lookups there are: unbounded, the warning would
// let them write a line to the operator's log per request (the handler's
// own line per verification is the one meant to scale with traffic).
type warnRate struct {
	mu     sync.Mutex
	window lograte.Window
	held   int
}

// allow reports whether a warning may be written at now, and how many were
// held back since the last one; when it reports false, it counts one more.
func (w *warnRate) allow(now time.Time) (ok bool, held int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if due, _ := w.window.Due(now); !due {
		w.held++
		return false, 0
	}
	held, w.held = w.held, 0
	return true, held
}
