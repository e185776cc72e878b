package iamport

import (
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// Observer receives one report per HTTP call made to i'mport, for metrics
// (see apiclient.Observer, shared with internal/portone so that one metrics
// adapter serves both sources). Its endpoint is EndpointToken
// ("get_token") or EndpointCertification ("certification"); its outcome one
// of the apiclient.Outcome constants (listed below); its duration is on
// Config.Now's clock.
type Observer = apiclient.Observer

// The endpoint names given to Observer.ObserveCall.
const (
	EndpointToken         = "get_token"
	EndpointCertification = "certification"
)

// The outcomes given to Observer.ObserveCall are apiclient's vocabulary,
// shared with internal/portone so that a dashboard reads both sources
// alike. For i'mport they mean:
//
//   - apiclient.OutcomeOK: HTTP 200 with code 0 and a usable response.
//   - apiclient.OutcomeNotFound: HTTP 404.
//   - apiclient.OutcomeUnauthorized: HTTP 401.
//   - apiclient.OutcomeClientError: any other 4xx status.
//   - apiclient.OutcomeServerError: any 5xx status.
//   - apiclient.OutcomeAPIError: HTTP 200 with a non-zero code.
//   - apiclient.OutcomeInvalidAnswer: an answer that could not be used:
//     malformed or oversized JSON, wrong types, a null response, an
//     unexpected status such as a redirect, or a token with no lifetime.
//   - apiclient.OutcomeNetworkError: a failure to send or receive.
//   - apiclient.OutcomeTimeout: the request's context ending (deadline or
//     cancellation) or a network timeout.

// nopObserver is used when Config.Observer is nil; it is a TokenObserver
// too.
type nopObserver struct{ apiclient.NopObserver }

// The paths given to TokenObserver.ObserveTokenFetch.
const (
	// TokenPathBackground is a getToken call made by the warm-up or the
	// background refresh (see Client.Start).
	TokenPathBackground = "background"
	// TokenPathRequest is a getToken call made because a lookup found no
	// usable token.
	TokenPathRequest = "request"
)

// TokenObserver is an optional extension of Observer: when Config.Observer
// also implements it, it is told on which path each getToken call was made
// and how long lookups waited for a token. Implementations must be safe for
// concurrent use and must return quickly.
type TokenObserver interface {
	// ObserveTokenFetch is called once per getToken call, after
	// ObserveCall, with TokenPathBackground or TokenPathRequest and the
	// call's outcome.
	ObserveTokenFetch(path, outcome string)
	// ObserveTokenWait is called once per lookup that found no usable
	// token cached, with the time it waited for one on Config.Now's clock
	// (whether it got one or not). Lookups that found a token are not
	// reported: with the background refresh running there are none.
	ObserveTokenWait(d time.Duration)
}

func (nopObserver) ObserveTokenFetch(string, string) {}
func (nopObserver) ObserveTokenWait(time.Duration)   {}
