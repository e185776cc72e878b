// Package lookuplimit bounds how many lookups a verification source has in
// flight at once, so that a client sending well-formed guessed ids cannot
// make the gateway call i'mport (or PortOne) with the merchant's keys as
// fast as it can send them.
//
// A Limiter holds a fixed number of slots (DefaultConcurrency, 64, unless
// configured). Acquire takes one; a caller finding none free waits, in
// arrival order, for as long as its own context allows, less a reserve
// kept for the call itself (Options.Reserve: 1 s, or half the time left
// when less), so that a call is not started only to be cut off by its
// deadline. When the wait ends first, Acquire returns an error wrapping ErrNoSlot and
// certification.ErrUnavailable (the gateway answers 503
// verification_unavailable with Retry-After); a caller whose client went
// away (its context cancelled) leaves the queue at once and never takes a
// slot.
//
// Limiter.Wrap puts the limit around any certification.Source whose
// Lookup is one call to the source. The i'mport client takes the Limiter
// as its Gate instead and holds a slot only around each certification
// call, so that getToken calls are not counted and a lookup waiting for
// the shared token holds no slot.
//
// Refusals are logged at a bounded rate: at most one line per second (by
// default), carrying how many lookups were refused since the line before.
package lookuplimit
