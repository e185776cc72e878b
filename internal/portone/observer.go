package portone

import "github.com/verigate/caddy-iamport/internal/apiclient"

// Observer receives one report per HTTP call made to PortOne, for metrics
// (see apiclient.Observer, shared with internal/iamport so that one metrics
// adapter serves both sources). Its endpoint is
// EndpointIdentityVerification; its outcome one of the Outcome constants;
// its duration is on Config.Now's clock.
type Observer = apiclient.Observer

// EndpointIdentityVerification names GET /identity-verifications/{id} in
// Observer calls and log lines.
const EndpointIdentityVerification = "identity_verification"

// The outcomes given to Observer.ObserveCall: apiclient's vocabulary,
// shared with internal/iamport, so that a dashboard reads both sources
// alike.
const (
	// OutcomeOK is HTTP 200 with a usable IdentityVerification.
	OutcomeOK = apiclient.OutcomeOK
	// OutcomeNotFound is HTTP 404 with type IDENTITY_VERIFICATION_NOT_FOUND.
	OutcomeNotFound = apiclient.OutcomeNotFound
	// OutcomeUnauthorized is HTTP 401 or 403: the API secret was refused.
	OutcomeUnauthorized = apiclient.OutcomeUnauthorized
	// OutcomeClientError is any other 4xx status, including a 404 of
	// another type.
	OutcomeClientError = apiclient.OutcomeClientError
	// OutcomeServerError is any 5xx status.
	OutcomeServerError = apiclient.OutcomeServerError
	// OutcomeInvalidAnswer is an answer that could not be used: an
	// unexpected status such as a redirect, malformed or oversized JSON,
	// wrong types, or a record that breaks a mapping rule.
	OutcomeInvalidAnswer = apiclient.OutcomeInvalidAnswer
	// OutcomeNetworkError is a failure to send or receive.
	OutcomeNetworkError = apiclient.OutcomeNetworkError
	// OutcomeTimeout is the request's context ending (deadline or
	// cancellation) or a network timeout.
	OutcomeTimeout = apiclient.OutcomeTimeout
)
