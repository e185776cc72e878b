package apiclient

import (
	"fmt"
	"time"
)

// Observer receives one report per HTTP call made to a verification API,
// for metrics. Implementations must be safe for concurrent use and must
// return quickly. One metrics adapter serves both sources.
type Observer interface {
	// ObserveCall is called once per HTTP call. endpoint names the API
	// call; outcome is one of the Outcome constants; d is the time the
	// call took on the client's clock.
	ObserveCall(endpoint, outcome string, d time.Duration)
}

// NopObserver is the Observer of a client configured without one.
type NopObserver struct{}

// ObserveCall does nothing.
func (NopObserver) ObserveCall(string, string, time.Duration) {}

// The outcomes every call is reported under, the same words for every
// API so that a dashboard reads both sources alike. Each client documents
// which answers of its API give which outcome.
const (
	OutcomeOK            = "ok"
	OutcomeNotFound      = "not_found"
	OutcomeUnauthorized  = "unauthorized"
	OutcomeClientError   = "client_error"
	OutcomeServerError   = "server_error"
	OutcomeAPIError      = "api_error"
	OutcomeInvalidAnswer = "invalid_answer"
	OutcomeNetworkError  = "network_error"
	OutcomeTimeout       = "timeout"
)

// Failure builds a returned error: op, then the certification sentinel,
// then the detail when there is one.
func Failure(op string, sentinel, detail error) error {
	if detail == nil {
		return fmt.Errorf("%s: %w", op, sentinel)
	}
	return fmt.Errorf("%s: %w: %w", op, sentinel, detail)
}

// Transient reports whether outcome is one that may pass on a second try
// (a 5xx answer, a network error, a timeout): the only outcomes either API
// client retries, once, and the ones that make a source unavailable
// rather than failed.
func Transient(outcome string) bool {
	switch outcome {
	case OutcomeServerError, OutcomeNetworkError, OutcomeTimeout:
		return true
	}
	return false
}
