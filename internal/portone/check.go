package portone

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

var _ certification.Checker = (*Client)(nil)

// checkIDPrefix starts the id a credential check asks for. The random
// suffix that follows (26 characters of crypto/rand.Text, 130 bits) makes
// sure it names no verification a merchant created.
const checkIDPrefix = "caddy-iamport-credential-check-"

var (
	errCheckFound   = errors.New("status 200 for an id that cannot exist: is api_base PortOne's V2 API?")
	errCheckOther   = errors.New("is api_base PortOne's V2 API?")
	errCheckNoClock = errors.New("answer has no valid Date header")
)

// CheckCredentials proves the API secret (and store id) with one
// authenticated GET /identity-verifications/{id} for a random id that
// cannot name a real verification. PortOne checks the secret and the store
// before it looks for the id, so 404 IDENTITY_VERIFICATION_NOT_FOUND
// proves both. PortOne V2 has no token: TokenLifetime is zero, and the
// clock skew is read from the answer's Date header. The call is not
// retried.
//
// Errors: the secret or store id refused (401, 403) and any other answer
// (another 4xx, a 404 of another type, or 200, which only a server that is
// not PortOne's API gives for this id) wrap certification.ErrFailed; a
// network error, a 5xx answer or ctx ending wrap
// certification.ErrUnavailable.
func (c *Client) CheckCredentials(ctx context.Context) (certification.CredentialCheck, error) {
	const op = "checking credentials"
	check := certification.CredentialCheck{APIBase: c.base, ClockFrom: "the Date header"}
	req, err := c.newGet(ctx, checkIDPrefix+rand.Text())
	if err != nil {
		return check, failure(op, certification.ErrFailed, err)
	}
	var date string
	sent := c.now()
	outcome, _, detail := c.callSeeing(req, func([]byte) error { return nil }, func(h http.Header) { date = h.Get("Date") })
	received := c.now()
	switch {
	case outcome == apiclient.OutcomeNotFound:
	case apiclient.Transient(outcome):
		return check, failure(op, certification.ErrUnavailable, detail)
	case outcome == apiclient.OutcomeUnauthorized:
		return check, failure(op+": api secret or store id refused", certification.ErrFailed, detail)
	case outcome == apiclient.OutcomeOK:
		return check, failure(op, certification.ErrFailed, errCheckFound)
	default:
		return check, failure(op, certification.ErrFailed, errors.Join(detail, errCheckOther))
	}
	at, err := http.ParseTime(date)
	if err != nil {
		return check, failure(op, certification.ErrFailed, errCheckNoClock)
	}
	check.ClockSkew, check.SkewError = certification.SkewAt(at.Unix(), sent, received)
	return check, nil
}
