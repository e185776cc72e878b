package portone

import "github.com/verigate/caddy-iamport/internal/apiclient"

// Observer receives one report per HTTP call made to PortOne, for metrics
// (see apiclient.Observer, shared with internal/iamport so that one metrics
// adapter serves both sources). Its endpoint is
// EndpointIdentityVerification; its outcome one of the apiclient.Outcome
// constants (listed below); its duration is on Config.Now's clock.
type Observer = apiclient.Observer

// EndpointIdentityVerification names GET /identity-verifications/{id} in
// Observer calls and log lines.
const EndpointIdentityVerification = "identity_verification"

// The outcomes given to Observer.ObserveCall are apiclient's vocabulary,
// shared with internal/iamport so that a dashboard reads both sources
// alike. For PortOne V2 they mean:
//
//   - apiclient.OutcomeOK: HTTP 200 with a usable IdentityVerification.
//   - apiclient.OutcomeNotFound: HTTP 404 with type
//     IDENTITY_VERIFICATION_NOT_FOUND.
//   - apiclient.OutcomeUnauthorized: HTTP 401 or 403: the API secret was
//     refused.
//   - apiclient.OutcomeClientError: any other 4xx status, including a 404
//     of another type.
//   - apiclient.OutcomeServerError: any 5xx status.
//   - apiclient.OutcomeInvalidAnswer: an answer that could not be used: an
//     unexpected status such as a redirect, malformed or oversized JSON,
//     wrong types, or a record that breaks a mapping rule.
//   - apiclient.OutcomeNetworkError: a failure to send or receive.
//   - apiclient.OutcomeTimeout: the request's context ending (deadline or
//     cancellation) or a network timeout.
//
// apiclient.OutcomeAPIError is i'mport's and never given here.
