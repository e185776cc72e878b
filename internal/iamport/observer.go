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
