package iamport

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

var _ certification.Source = (*Client)(nil)

// Lookup fetches the verification impUID from i'mport. An impUID failing
// ValidImpUID returns ErrInvalidID without any network call,
// and so does an impUID i'mport answered 404 for within Config.NotFoundTTL
// (an error wrapping certification.ErrNotFound). Each certification call
// holds a slot of Config.Gate; waiting for one ends with ctx. A 401 answer makes
// Lookup fetch a new token and try once more; a network error or 5xx answer
// is retried once while ctx is live. Other errors wrap
// certification.ErrNotFound, ErrUnavailable or ErrFailed as described in the
// package documentation.
func (c *Client) Lookup(ctx context.Context, impUID string) (certification.Record, error) {
	const op = "fetching certification"
	if !ValidImpUID(impUID) {
		return certification.Record{}, ErrInvalidID
	}
	if c.notFound != nil && c.notFound.has(impUID) {
		c.observeNotFoundHit()
		return certification.Record{}, failure(op, certification.ErrNotFound, errRemembered)
	}
	reauthorised, retried := false, false
	for {
		tok, err := c.token(ctx)
		if err != nil {
			return certification.Record{}, err
		}
		release, err := c.gate.Acquire(ctx)
		if err != nil {
			return certification.Record{}, fmt.Errorf("%s: %w", op, err)
		}
		rec, outcome, detail := c.getCertification(ctx, tok, impUID)
		release()
		switch {
		case outcome == apiclient.OutcomeOK:
			return rec, nil
		case outcome == apiclient.OutcomeNotFound:
			if c.notFound != nil {
				c.notFound.remember(impUID)
			}
			return certification.Record{}, failure(op, certification.ErrNotFound, detail)
		case outcome == apiclient.OutcomeUnauthorized:
			if reauthorised {
				// Forget the second token too, so the next request does
				// not start with a token i'mport already refused.
				c.dropTokenIf(tok)
				return certification.Record{}, failure(op+": token refused twice", certification.ErrFailed, detail)
			}
			reauthorised = true
			c.dropTokenIf(tok)
		case apiclient.Transient(outcome):
			if retried || ctx.Err() != nil {
				return certification.Record{}, failure(op, certification.ErrUnavailable, detail)
			}
			retried = true
		default:
			return certification.Record{}, failure(op, certification.ErrFailed, detail)
		}
	}
}

// certificationURL is the GET address for id, path-escaped even though
// ValidImpUID leaves nothing to escape.
func (c *Client) certificationURL(id string) string {
	return c.base + "/certifications/" + url.PathEscape(id)
}

// getCertification makes one GET call and returns the record when the
// outcome is apiclient.OutcomeOK.
func (c *Client) getCertification(ctx context.Context, tok, id string) (certification.Record, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.certificationURL(id), nil)
	if err != nil {
		return certification.Record{}, apiclient.OutcomeInvalidAnswer, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	var rec certification.Record
	outcome, _, detail := call(c, req, EndpointCertification, func(w *wireCert) error {
		var err error
		rec, err = decodeRecord(w, id)
		return err
	})
	return rec, outcome, detail
}

// observeNotFoundHit tells the Observer, if it wants to know, of a lookup
// answered from the negative cache.
func (c *Client) observeNotFoundHit() {
	if o, ok := c.obs.(NotFoundObserver); ok {
		o.ObserveNotFoundHit()
	}
	c.log.Load().Debug("i'mport call skipped: id answered 404 moments ago")
}
