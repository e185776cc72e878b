// Package iamport looks identity verifications ("certifications") up in the
// i'mport (PortOne V1) REST API and normalises them to certification.Record.
//
// A Client obtains an access token with POST /users/getToken, caches it and
// reads GET /certifications/{imp_uid} with "Authorization: Bearer <token>".
//
// Token handling. The token's lifetime is taken from the answer itself
// (expired_at minus the server's own now), so a local clock that is far from
// i'mport's clock does not matter. Lookups use the token until local time
// at request + lifetime - margin, where the margin is the smaller of
// Config.TokenMargin (15 s) and half the lifetime. Lifetimes longer than 24
// hours are capped at 24 hours; a lifetime of zero or less is refused.
// However many lookups arrive on a cold cache, only one getToken call is
// made; it runs on the client's own context (not any caller's), bounded by
// Config.TokenTimeout, so that one caller giving up does not fail the
// others, and Close ends it.
//
// Background refresh. Client.Start, called when a handler serves its first
// request of any kind (never at provisioning), starts one goroutine that
// fetches the token at once and then asks getToken again when
// Config.TokenRefreshLead (45 s, at most 3/4 of the lifetime) of its life
// is left. That is inside i'mport's last minute, where getToken extends the
// token by five minutes (before it, getToken hands back the same token and
// expiry, so an earlier refresh would gain nothing); 45 s leaves 30 s for
// retries before the margin. The refresh shares the single getToken call
// with lookups, is bounded by TokenTimeout, and keeps the current token when
// it fails or the answer did not extend the token; it then asks again
// after 1 s, 2 s, 4 s... up to a minute, but before the token stops being
// used. With the refresh running no lookup waits for getToken; without it
// (a client never started, or every attempt failing past the margin) lookups
// fetch the token themselves as before. Close stops it and waits for it.
// A TokenObserver is told on which path each getToken call was made and how
// long lookups waited for a token.
//
// Retries. A certification call answered with 401 drops the token, fetches a
// new one and is retried once. A certification call that fails with a
// network error or a 5xx answer is retried once if the caller's context is
// still live. A lookup's getToken call is never retried (the background
// refresh retries its own).
//
// Bounded calls. With Config.Gate (a lookuplimit.Limiter shared by every
// handler using the client), each certification call holds one slot of the
// gate for as long as it is in flight; getToken calls hold none. A lookup
// that gets no slot before its context ends fails with the gate's error,
// which wraps certification.ErrUnavailable.
//
// Negative cache. An id i'mport answered 404 for is answered "not found"
// again, without any call, for Config.NotFoundTTL (default 5 s) on the
// client's clock. Nothing else is remembered: an unfinished verification
// can become certified, and failures are transient. Entries are keyed by a
// hash of the id and bounded (Config.NotFoundEntries, default 10,000);
// when the cache is full and nothing has expired, new ids are not
// remembered, which only costs a call.
//
// Errors. Lookup errors wrap certification.ErrNotFound (404),
// certification.ErrUnavailable (5xx, network errors, the context ending) or
// certification.ErrFailed (credentials rejected, other 4xx, HTTP 200 with a
// non-zero code or a null response, answers that cannot be decoded). An
// imp_uid failing ValidImpUID is refused with ErrInvalidID before any network
// call.
//
// Privacy. The client never logs or puts into errors the REST API key and
// secret, tokens, names, phone numbers, CI or DI. Debug log lines carry only
// the endpoint, HTTP status, outcome and duration.
package iamport
