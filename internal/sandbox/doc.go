// Package sandbox is an in-process imitation of the two i'mport (PortOne V1)
// REST endpoints the gateway uses: POST /users/getToken and
// GET /certifications/{imp_uid}. It serves as the i'mport of the demo and of
// the integration tests.
//
// It also imitates PortOne V2's GET /identity-verifications/{id}: the secret
// in "Authorization: PortOne <secret>", the optional storeId query, bare
// IdentityVerification objects (READY or VERIFIED) with RFC 3339 times, and
// {"type","message"} error bodies. The same test identities answer under
// V2 ids (V2IDPrefix and the V1 id's digits, see V2Identities), with the
// same CI and DI, plus V2-only ones.
//
// The imitation follows the documented behaviour of the real API: every body
// is the {"code","message","response"} envelope, timestamps are integer Unix
// seconds, one access token is shared by every caller of the API key, a
// token lasts 30 minutes, asking again while it is valid returns the same
// token, and asking in its last minute extends it by 5 minutes. Test
// identities (see Identities) are computed from the clock at request time so
// that their ages stay true on every day of the year.
//
// Under /__sandbox/ the Server also offers control endpoints that inject
// faults (including FaultSlow, a slow but correct i'mport), read call
// counters and the most certification calls ever in flight at once, and
// reset state (see Fault and Stats). They have no
// authentication of any kind: the sandbox must never be exposed publicly,
// only bound to a loopback address or a private test network.
package sandbox
