// Package apiclient is what the clients of the verification APIs
// (internal/iamport for i'mport V1, internal/portone for PortOne V2) share
// about making their HTTP calls: checking the configured base URL, the
// dedicated HTTP client, sending a call and reading its answer within a
// size cap, the outcome vocabulary every call is reported under, which
// outcomes are worth one retry, and the shape of returned errors.
//
// Each API's wire format (i'mport's envelope, V2's bare objects and error
// types), status mapping and retry rules beyond the shared one stay in its
// own package.
package apiclient
