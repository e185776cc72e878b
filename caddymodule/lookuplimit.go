package caddymodule

import (
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/verigate/caddy-iamport/internal/lookuplimit"
)

// DefaultLookupConcurrency is lookup_concurrency when none is configured.
const DefaultLookupConcurrency = lookuplimit.DefaultConcurrency

// parseLookupConcurrency reads `lookup_concurrency <n>`.
func parseLookupConcurrency(d *caddyfile.Dispenser, v *Verify) error {
	var s string
	if err := arg(d, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > lookuplimit.MaxConcurrency {
		return d.Errf("invalid lookup_concurrency %q: want a whole number from 1 to %d", s, lookuplimit.MaxConcurrency)
	}
	v.LookupConcurrency = n
	return nil
}

// newLimiter builds the limiter of a pooled API client.
func newLimiter(n int) (*lookuplimit.Limiter, error) {
	return lookuplimit.New(n, lookuplimit.Options{Observer: limitObserver{}})
}

var (
	lookupsWaiting = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "lookups_waiting",
		Help:      "Lookups waiting for a free slot under lookup_concurrency.",
	})

	lookupSlotWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "lookup_slot_wait_seconds",
		Help:      "Time lookups waited for a slot under lookup_concurrency (0 when one was free), by outcome: acquired, timeout (refused with 503), abandoned (the client went away).",
		Buckets:   []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"outcome"})

	negativeCacheHits = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "negative_cache_hits_total",
		Help:      "Lookups answered verification_not_found from the negative cache of recent i'mport 404 answers, without a call.",
	})
)

// limitCollectors are registered with the other metrics.
var limitCollectors = []prometheus.Collector{lookupsWaiting, lookupSlotWait, negativeCacheHits}

// limitObserver feeds the lookup limiter into the metrics.
type limitObserver struct{}

func (limitObserver) Waiting(delta int) { lookupsWaiting.Add(float64(delta)) }

func (limitObserver) ObserveWait(outcome string, d time.Duration) {
	lookupSlotWait.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObserveNotFoundHit counts a lookup answered from the negative cache.
func (apiObserver) ObserveNotFoundHit() { negativeCacheHits.Inc() }
