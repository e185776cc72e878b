package portone

import (
	"context"
	"net/http"
	"net/url"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

var _ certification.Source = (*Client)(nil)

// Lookup fetches the identity verification id from PortOne. An id failing
// ValidID returns ErrInvalidID without any network call. A network error or
// 5xx answer is retried once while ctx is live; nothing else is retried.
// Other errors wrap certification.ErrNotFound, ErrUnavailable or ErrFailed
// as described in the package documentation.
func (c *Client) Lookup(ctx context.Context, id string) (certification.Record, error) {
	const op = "fetching identity verification"
	if !ValidID(id) {
		return certification.Record{}, ErrInvalidID
	}
	for retried := false; ; retried = true {
		rec, outcome, detail := c.get(ctx, id)
		switch {
		case outcome == apiclient.OutcomeOK:
			return rec, nil
		case outcome == apiclient.OutcomeNotFound:
			return certification.Record{}, failure(op, certification.ErrNotFound, detail)
		case apiclient.Transient(outcome):
			if retried || ctx.Err() != nil {
				return certification.Record{}, failure(op, certification.ErrUnavailable, detail)
			}
		default:
			return certification.Record{}, failure(op, certification.ErrFailed, detail)
		}
	}
}

// verificationURL is the GET address for id: path-escaped (ValidID leaves
// nothing to escape) and followed by the storeId query when configured.
func (c *Client) verificationURL(id string) string {
	return c.base + "/identity-verifications/" + url.PathEscape(id) + c.query
}

// newGet builds the authenticated GET request for id.
func (c *Client) newGet(ctx context.Context, id string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.verificationURL(id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// get makes one GET call and returns the record when the outcome is
// apiclient.OutcomeOK.
func (c *Client) get(ctx context.Context, id string) (certification.Record, string, error) {
	req, err := c.newGet(ctx, id)
	if err != nil {
		return certification.Record{}, apiclient.OutcomeInvalidAnswer, err
	}
	var rec certification.Record
	outcome, _, detail := c.call(req, func(body []byte) error {
		var err error
		rec, err = decodeRecord(body, id)
		return err
	})
	return rec, outcome, detail
}
