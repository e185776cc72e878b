// Package identity turns a verified identity into the request headers a
// backend trusts, and removes forged copies of those headers first.
//
// Every header the gateway writes starts with one prefix (the caller's
// default is "X-Verified-"). A Filter removes, before anything is written,
// every incoming header whose name falls under that prefix once names are
// compared the way lenient backends compare them: ASCII case ignored and
// '_' and '.' read as '-'. WSGI servers, PHP and Gunicorn fold
// "X-Verified_CI-Hash" into the same variable as "X-Verified-CI-Hash"
// (CVE-2025-64484 in oauth2-proxy), so matching only the exact spelling
// would let a client forge an identity header.
//
// The connecting information (CI) never leaves the gateway: HashCI gives a
// keyed HMAC-SHA256 of it instead.
package identity
