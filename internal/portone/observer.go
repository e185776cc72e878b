package portone

import "time"

// Observer receives one report per HTTP call made to PortOne, for metrics.
// Implementations must be safe for concurrent use and must return quickly.
// The method is the same as internal/iamport's Observer, so one metrics
// adapter serves both sources.
type Observer interface {
	// ObserveCall is called once per HTTP call. endpoint is
	// EndpointIdentityVerification; outcome is one of the Outcome
	// constants; d is the time the call took on Config.Now's clock.
	ObserveCall(endpoint, outcome string, d time.Duration)
}

// EndpointIdentityVerification names GET /identity-verifications/{id} in
// Observer calls and log lines.
const EndpointIdentityVerification = "identity_verification"

// The outcomes given to Observer.ObserveCall. They use internal/iamport's
// vocabulary, so that a dashboard reads both sources alike.
const (
	// OutcomeOK is HTTP 200 with a usable IdentityVerification.
	OutcomeOK = "ok"
	// OutcomeNotFound is HTTP 404 with type IDENTITY_VERIFICATION_NOT_FOUND.
	OutcomeNotFound = "not_found"
	// OutcomeUnauthorized is HTTP 401 or 403: the API secret was refused.
	OutcomeUnauthorized = "unauthorized"
	// OutcomeClientError is any other 4xx status, including a 404 of
	// another type.
	OutcomeClientError = "client_error"
	// OutcomeServerError is any 5xx status.
	OutcomeServerError = "server_error"
	// OutcomeInvalidAnswer is an answer that could not be used: an
	// unexpected status such as a redirect, malformed or oversized JSON,
	// wrong types, or a record that breaks a mapping rule.
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
