package caddymodule

import (
	"time"

	"github.com/verigate/caddy-iamport/internal/iamport"
)

// tokenBenchVariant names the tree BenchmarkTokenOffRequestPath measures.
// To measure a tree without the background refresh, this file is replaced
// by one whose tokenBenchPrepare changes nothing (see BENCHMARKS.md).
const tokenBenchVariant = "with the background token refresh"

// tokenBenchPrepare applies what the background refresh needs: a refresh
// lead and margin for the shortened sandbox tokens (i'mport's defaults
// are 45 s and 15 s of a 30-minute token extended in its last minute;
// here 1.7 s and 1.2 s of a 4-second token extended in its last 2 s), and
// the handler's start-on-first-request hook.
func tokenBenchPrepare(cfg *iamport.Config) func(*Verify, *iamport.Client) {
	cfg.TokenRefreshLead = 1700 * time.Millisecond
	cfg.TokenMargin = 1200 * time.Millisecond
	obs, _ := cfg.Observer.(*tokenBenchObserver)
	return func(v *Verify, c *iamport.Client) {
		v.warm = c.Start
		if obs != nil {
			obs.reported.Store(true)
		}
	}
}
