package caddymodule

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/iamport"
)

// The collectors are created once per process and registered with the
// metrics registry of every config load (Caddy makes a new registry on each
// load), tolerating AlreadyRegistered, so that a second handler or a reload
// neither panics nor loses the metrics. No label ever carries an id, an IP
// address or personal data: labels are refusal codes, source names,
// endpoint names, outcomes and store operations, all from fixed sets.
var (
	verifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "verifications_total",
		Help:      "Requests that needed a verification, by outcome code (verified or the refusal code) and source (iamport or portone).",
	}, []string{"code", "source"})

	apiDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "api_request_duration_seconds",
		Help:      "Latency of calls to the verification API, by endpoint (get_token and certification for i'mport, identity_verification for PortOne V2) and outcome.",
		Buckets:   []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"endpoint", "outcome"})

	tokenFetches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "token_fetches_total",
		Help:      "Calls to i'mport's getToken, by outcome and path (background: the warm-up and refresh; request: a lookup found no usable token).",
	}, []string{"outcome", "path"})

	tokenWaits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "token_wait_seconds",
		Help:      "Time lookups waited for an i'mport access token, counted only for lookups that found none cached (none while the background refresh keeps up).",
		Buckets:   []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})

	storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "iamport",
		Name:      "single_use_store_errors_total",
		Help:      "Failed single-use store operations, by operation (reserve, release).",
	}, []string{"operation"})
)

func registerMetrics(reg *prometheus.Registry, logger *zap.Logger) {
	if reg == nil {
		return
	}
	for _, c := range append([]prometheus.Collector{verifications, apiDuration, tokenFetches, tokenWaits, storeErrors}, limitCollectors...) {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				logger.Warn("registering metrics", zap.Error(err))
			}
		}
	}
}

// apiObserver feeds the i'mport and PortOne clients' calls into the metrics.
type apiObserver struct{}

func (apiObserver) ObserveCall(endpoint, outcome string, d time.Duration) {
	apiDuration.WithLabelValues(endpoint, outcome).Observe(d.Seconds())
}

// ObserveTokenFetch counts a getToken call by outcome and path.
func (apiObserver) ObserveTokenFetch(path, outcome string) {
	tokenFetches.WithLabelValues(outcome, path).Inc()
}

// ObserveTokenWait records how long a lookup waited for a token.
func (apiObserver) ObserveTokenWait(d time.Duration) {
	tokenWaits.Observe(d.Seconds())
}

// Interface guards
var _ iamport.TokenObserver = apiObserver{}
