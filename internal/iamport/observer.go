package iamport

import "time"

// Observer receives one report per HTTP call made to i'mport, for metrics.
// Implementations must be safe for concurrent use and must return quickly.
type Observer interface {
	// ObserveCall is called once per HTTP call to i'mport. endpoint is
	// EndpointToken ("get_token") or EndpointCertification
	// ("certification"); outcome is one of the Outcome constants; d is the
	// time the call took on Config.Now's clock.
	ObserveCall(endpoint, outcome string, d time.Duration)
}

// The endpoint names given to Observer.ObserveCall.
const (
	EndpointToken         = "get_token"
	EndpointCertification = "certification"
)

// The outcomes given to Observer.ObserveCall.
const (
	// OutcomeOK is HTTP 200 with code 0 and a usable response.
	OutcomeOK = "ok"
	// OutcomeNotFound is HTTP 404.
	OutcomeNotFound = "not_found"
	// OutcomeUnauthorized is HTTP 401.
	OutcomeUnauthorized = "unauthorized"
	// OutcomeClientError is any other 4xx status.
	OutcomeClientError = "client_error"
	// OutcomeServerError is any 5xx status.
	OutcomeServerError = "server_error"
	// OutcomeAPIError is HTTP 200 with a non-zero code.
	OutcomeAPIError = "api_error"
	// OutcomeInvalidAnswer is an answer that could not be used: malformed
	// or oversized JSON, wrong types, a null response, an unexpected
	// status such as a redirect, or a token with no lifetime.
	OutcomeInvalidAnswer = "invalid_answer"
	// OutcomeNetworkError is a failure to send or receive.
	OutcomeNetworkError = "network_error"
	// OutcomeTimeout is the request's context ending (deadline or
	// cancellation) or a network timeout.
	OutcomeTimeout = "timeout"
)

// nopObserver is used when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) ObserveCall(string, string, time.Duration) {}

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
