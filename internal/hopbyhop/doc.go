// Package hopbyhop keeps a client from using HTTP/1.x connection machinery
// (the Connection header, Upgrade, trailers, and what is left of a body a
// refusal did not read) to remove, smuggle or hide identity headers on the
// way from the gateway to the upstream.
//
// A proxy in front of the upstream (Caddy's reverse_proxy in this project)
// honours several hop-by-hop mechanisms, each of which acts after the
// gateway has set the headers the upstream trusts:
//
//   - Connection nominations. Every header named in Connection is deleted
//     before forwarding (RFC 9110 section 7.6.1). "Connection:
//     X-Verified-CI-Hash" would delete the CI hash the gateway had just
//     set. Clean removes every Connection token that, compared the way
//     identity.Filter compares names (ASCII case ignored, '_' and '.' read
//     as '-'), starts with the identity prefix; the other tokens stay.
//   - Upgrade. Caddy relays the first Upgrade value when Connection names
//     "upgrade", and after a 101 it splices the two connections: whatever
//     the client sends next reaches the upstream unparsed. An upgrade to
//     h2c (HTTP/2 over cleartext) turns that tunnel into a stream of HTTP
//     requests the gateway never sees, forged identity headers included
//     (h2c smuggling). Clean reads Upgrade as the comma-separated list it
//     is and removes every protocol that carries HTTP itself (h2c, h2, h3,
//     HTTP/x, and TLS/x and SSL/x, which RFC 2817 uses to carry HTTP over
//     TLS inside the connection) and every element that is not a valid
//     protocol token; HTTP2-Settings goes with them. Other protocols
//     (WebSocket, and any other registered upgrade token) are left to the
//     proxy.
//   - Trailers. A chunked HTTP/1.1 body or an HTTP/2 stream can end with
//     trailer fields, which Caddy forwards to the upstream when the request
//     declared them (Trailer header). They arrive after the handler has
//     run, so Clean deletes the declared names under the prefix and wraps
//     the body so that at its end, before anyone else sees the trailers,
//     every trailer under the prefix is deleted again. Go's HTTP/1 server
//     merges every received trailer, declared or not, into the request's
//     Trailer map once any trailer was declared. With none declared it
//     stores them in a new map on its own *http.Request, and Caddy hands
//     its handlers a shallow copy whose Trailer stays nil, so they are
//     dropped (an integration test keeps that true), and Clean does no work.
//   - Proxy-Connection, Keep-Alive, TE, Alt-Svc, Proxy-Authenticate and
//     Proxy-Authorization are deleted by name only; none of them nominates
//     other fields, so they cannot remove or add an identity header.
//
// A request that must verify gets the stricter Seal: the Connection
// nominations are applied before the request is judged (so the gateway
// judges exactly the header set the upstream will get, Content-Type
// included), then Connection, Upgrade and HTTP2-Settings are removed, so
// no upgrade of any kind is relayed, and the request's trailers are
// dropped, so the upstream gets the buffered body with its Content-Length
// and no trailer. A CONNECT on such a request (HTTP/1.1 CONNECT, or the
// extended CONNECT by which HTTP/2 and HTTP/3 carry WebSocket) asks for a
// tunnel and cannot be ignored like an Upgrade header; OpensTunnel tells
// the caller to refuse it.
//
// Go's HTTP/2 server and the HTTP/3 server Caddy uses (quic-go) reject a
// request that carries Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding or Upgrade (HTTP/2 also a TE other than "trailers"), so
// the header rules matter for HTTP/1.x only; the trailer rules apply to
// HTTP/2 and HTTP/3 as well.
//
// CloseAfterRefusal, with the BodyWatch Seal returns, handles a refusal
// that leaves the request body unread: the answer then carries Connection:
// close, so that Go's server sends it at once instead of first draining a
// body the client may never send (a client that sent Expect: 100-continue
// waits for the answer, and Go's own shortcut for that case no longer
// applies once Caddy has wrapped the body).
package hopbyhop
