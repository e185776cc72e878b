package iamport

import (
	"context"
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

var _ certification.Checker = (*Client)(nil)

// CheckCredentials proves the key and secret with one getToken round trip
// of its own. It neither reads nor fills the token cache, so it always
// reaches i'mport, and it leaves the token that lookups use alone (i'mport
// hands every caller the same token while it is valid). The answer must
// pass the checks a lookup's token passes. It reports the token's remaining
// lifetime (expired_at minus now, both i'mport's) and i'mport's clock
// (`now`) against Config.Now's. getToken is not retried. Errors are those
// of a lookup's token fetch: credentials rejected or an unusable answer
// wrap certification.ErrFailed; a network error, a 5xx answer or ctx
// ending wrap certification.ErrUnavailable.
func (c *Client) CheckCredentials(ctx context.Context) (certification.CredentialCheck, error) {
	check := certification.CredentialCheck{APIBase: c.base, ClockFrom: "i'mport's now"}
	req, err := c.newTokenRequest(ctx)
	if err != nil {
		return check, failure(opToken, certification.ErrFailed, err)
	}
	var issued issuedToken
	sent := c.now()
	outcome, status, detail := call(c, req, EndpointToken, func(a *tokenAnswer) error {
		var err error
		issued, err = parseToken(a)
		return err
	})
	received := c.now()
	if outcome != apiclient.OutcomeOK {
		return check, tokenFailure(outcome, status, detail)
	}
	// parseToken has checked that both are present and expired_at > now.
	check.TokenLifetime = time.Duration(issued.expiredAt-issued.serverNow) * time.Second
	check.ClockSkew, check.SkewError = certification.SkewAt(issued.serverNow, sent, received)
	return check, nil
}
