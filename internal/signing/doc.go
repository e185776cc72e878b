// Package signing creates the signed identity assertions (compact JWS,
// i.e. JWTs) that iamport_verify hands a backend, and manages the keys
// that sign them.
//
// # Keys
//
// A Key is a private key with the algorithm its type implies (P-256 →
// ES256, Ed25519 → EdDSA, RSA of 2048 bits or more → RS256) and its key id:
// the RFC 7638 SHA-256 thumbprint of the public key, base64url without
// padding. Keys come from PEM files (ParsePEM; the first key signs, every
// key is published) or from a Manager, which keeps generated P-256 keys in
// Caddy's storage (a certmagic.Storage) together with their rotation
// schedule, so that every instance sharing that storage signs with the same
// key and publishes the same key set.
//
// # Rotation timeline
//
// With the defaults (Rotate 90 days, Prepublish 1 hour, Retain 1 hour,
// CacheLifetime 5 minutes, MaxLifetime 10 minutes) a generated key K1 that
// starts signing at T lives like this:
//
//	T                  K1 is created, published and signs (the first key signs at once:
//	                   no verifier can have cached a key set without it)
//	T+90d−1h           the successor K2 is created and published; K1 still signs
//	T+90d              K2 signs; K1 signs no more (every instance switches at this
//	                   stored instant, without asking the storage again)
//	T+90d+1h           K1 is no longer published and is deleted from storage
//
// K2 is published Prepublish (1 h, at least twice the JWKS cache lifetime
// of 5 minutes) before it signs, so a verifier that cached the key set just
// before K2 appeared refreshes it in time; K1 stays published Retain (1 h,
// at least the longest assertion lifetime of 10 minutes plus the cache
// lifetime) after its last signature, so every assertion it signed expires
// while a verifier can still find K1. If no instance runs when the
// successor is due, the first one to run creates it and it signs
// Prepublish after that, the old key signing meanwhile. Instances re-read
// the schedule every minute (see Manager.Run), so one learns of a
// successor at most a minute after it was created, long before it signs.
//
// Changes to the schedule (the first key, a successor, removing a retired
// key) are made under the storage's lock and re-read under it, so that
// several instances starting or rotating at once create exactly one key.
package signing
