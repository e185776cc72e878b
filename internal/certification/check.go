package certification

import (
	"context"
	"time"
)

// CredentialCheck is what a source learned when it proved its credentials
// with one authenticated round trip (Checker.CheckCredentials). The
// operator's `caddy iamport check` command prints it.
type CredentialCheck struct {
	// APIBase is the API root the source talks to, without a trailing
	// slash. It is filled in even when the check fails.
	APIBase string
	// TokenLifetime is how much longer the access token the check
	// obtained stays valid, by the source's own clock. It is zero for a
	// source that uses no token (PortOne V2 sends its secret on every call).
	TokenLifetime time.Duration
	// ClockSkew is the source's clock minus the local clock: positive when
	// the source is ahead. It is measured at the middle of the round trip.
	ClockSkew time.Duration
	// SkewError bounds the error of ClockSkew: half a second, since the
	// source reports whole seconds, plus half the round trip.
	SkewError time.Duration
	// ClockFrom names what the source's time was read from, such as
	// "i'mport's now" or "the Date header".
	ClockFrom string
}

// Checker is implemented by sources that can prove their credentials
// without looking up a real verification.
type Checker interface {
	// CheckCredentials makes one authenticated request that cannot match
	// a real verification and reports what it learned. Errors wrap
	// ErrFailed (credentials refused, an answer that cannot be used) or
	// ErrUnavailable (unreachable, a server error, ctx ending), and never
	// carry a secret or a token.
	CheckCredentials(ctx context.Context) (CredentialCheck, error)
}

// SkewAt returns the clock skew and its error bound for a source clock
// reading of serverSecs (whole Unix seconds, read at some instant of the
// round trip that started at sent and ended at received on the local
// clock). The source's instant is taken as the middle of its second and
// compared with the middle of the round trip.
func SkewAt(serverSecs int64, sent, received time.Time) (skew, bound time.Duration) {
	rtt := received.Sub(sent)
	if rtt < 0 {
		rtt = 0
	}
	mid := sent.Add(rtt / 2)
	server := time.Unix(serverSecs, 0).Add(500 * time.Millisecond)
	return server.Sub(mid), 500*time.Millisecond + rtt/2
}
