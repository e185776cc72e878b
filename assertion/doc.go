// Package assertion verifies, in a Go backend, the signed identity
// assertions that caddy-iamport's iamport_verify handler adds to every
// request it verified (the X-Verified-Assertion header by default).
//
// An assertion is a compact JWS (a JWT) signed with ES256 (the default),
// EdDSA or RS256 and carrying the key id of its signing key. A backend
// trusts it only after checking, as a Verifier does:
//
//   - the algorithm, against an allowlist fixed here and never taken from
//     the token ("none" and the HMAC algorithms are never accepted);
//   - the signature, with the key of that id in the gateway's JSON Web Key
//     Set, fetched from a URL the backend is configured with (never from a
//     URL named in the token);
//   - "aud" (the backend's own audience) and "iss" (the gateway's issuer);
//   - "exp", "nbf" and "iat", with a small leeway for clock skew.
//
// Usage:
//
//	v, err := assertion.NewVerifier(assertion.Config{
//		JWKSURL:  "http://gateway.internal/.well-known/jwks.json",
//		Audience: "https://app.example.com",
//		Issuer:   "caddy-iamport",
//	})
//	...
//	http.Handle("/signup", v.Middleware("", signupHandler))
//
//	func signupHandler(w http.ResponseWriter, r *http.Request) {
//		id, _ := assertion.FromContext(r.Context())
//		// id.CIHash is the person's stable pseudonym: a unique index on it
//		// gives "one account per person".
//	}
//
// The key set is cached for the lifetime its Cache-Control header gives
// (5 minutes by default), fetched again when a token names an unknown key
// (at most once per RefetchInterval), and kept in use for up to StaleLimit
// while the JWKS URL cannot be reached.
package assertion
