// Package portone looks identity verifications (본인인증) up in the PortOne
// V2 REST API and normalises them to certification.Record. It is the second
// implementation of certification.Source, beside the i'mport V1 client in
// internal/iamport.
//
// A Client reads GET {base}/identity-verifications/{id} with the header
// "Authorization: PortOne <API secret>". There is no token exchange: the
// secret authorises every call. When Config.StoreID is set, every lookup
// carries it as the storeId query parameter, so that PortOne itself refuses
// verifications that belong to another store (the answer names no store
// that could be compared).
//
// # Ids
//
// The merchant's page chooses the identityVerificationId, so it has no fixed
// shape. ValidID accepts 1 to MaxIDLength (128) bytes from the set
// A-Z a-z 0-9 '-' '_' and nothing else. PortOne documents no grammar; its
// guide and SDK examples generate "identity-verification-" followed by a
// UUID (58 characters) or a nanoid (43 characters), and its payment ids and
// other merchant-chosen keys are documented as letters, digits, '-' and '_'.
// The limit leaves room for a merchant's own prefix while keeping ids small
// enough for URLs, headers and keys. Dots are refused so that "." and ".."
// can never become path segments, and every other byte (space, '/', '%',
// '?', '#', control bytes, non-ASCII) is refused so that a valid id never
// needs escaping; it is path-escaped anyway. An id failing ValidID is
// refused with ErrInvalidID before any network call.
//
// # Mapping
//
// The answer is an IdentityVerification object (no envelope). Lookup maps it
// as follows; each rule is tested:
//
//   - the answer's id must equal the requested id, else ErrFailed;
//   - status VERIFIED gives a certified record; READY and FAILED give a
//     record that is not certified (the policy refuses it as not_certified);
//     any other or a missing status is ErrFailed;
//   - a VERIFIED answer must carry verifiedCustomer and verifiedAt (RFC 3339),
//     else ErrFailed; verifiedAt becomes Record.CertifiedAt;
//   - birthDate ("yyyy-MM-dd", a calendar date in Korea) becomes
//     Record.Birthday; when absent (V2 can return V1-era records) the
//     Birthday is zero and the policy refuses the record as
//     verification_failed, as it does a V1 record without a birthday; a
//     birthDate that is not a yyyy-MM-dd date is ErrFailed;
//   - ci and di become Record.CI and Record.DI ("" when absent; the policy
//     refuses a missing CI as ci_missing; DI may be absent, KG Inicis never
//     sends it);
//   - name and phoneNumber are copied; gender MALE and FEMALE become "male"
//     and "female" as V1 gives them, and OTHER, which V1 has no word for, is
//     left out like an absent gender; operator SKT, KT and LGU (and their
//     _MVNO forms) become SKT, KT and LGT (SKT_MVNO, KT_MVNO, LGT_MVNO), V1's
//     carrier names; an operator or gender value PortOne adds later is left
//     out;
//   - isForeigner becomes Record.Foreigner; when absent (Danal without the
//     extra contract) Record.ForeignerUnknown is set, which a policy that
//     denies foreigners refuses.
//
// # Errors and retries
//
// Lookup errors wrap certification.ErrNotFound (404 with type
// IDENTITY_VERIFICATION_NOT_FOUND), certification.ErrUnavailable (5xx,
// network errors, the context ending) or certification.ErrFailed (401 and
// 403, which are also logged at warn, at most once a second, as the API
// secret being refused; any other 4xx, including a 404 of another type
// such as a wrong base URL; an unknown error type; a redirect or other
// unexpected status; an answer that cannot be decoded or breaks a mapping
// rule). A network error or a 5xx answer is retried once while the
// caller's context is live; a 4xx never is. The caller's context is the
// whole time budget, retry included.
//
// # Privacy
//
// The client never logs or puts into errors the API secret, the id, names,
// phone numbers, CI or DI. Error bodies are reduced to their type when it
// is one of the documented types, and to "unrecognised" otherwise; the
// message is never kept. Debug log lines carry only the endpoint, HTTP
// status, outcome and duration.
package portone
