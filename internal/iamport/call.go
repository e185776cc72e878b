package iamport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// envelope is the wrapper around every i'mport answer, with its response
// member R decoded in the same pass: one validity scan and one decode of
// the answer instead of one for the envelope and another for a copied
// response member. Pointers tell absent members apart: an absent code is
// not 0, and an absent or null response is nil.
type envelope[R any] struct {
	Code     *int `json:"code"`
	Response *R   `json:"response"`
}

var (
	errNoCode       = errors.New("answer has no code")
	errNullResponse = errors.New("status 200 with null or absent response")
)

// call sends req, reads at most apiclient.MaxAnswerBytes of the answer,
// decodes it (its response member into an R) and hands the member to use,
// whose error makes the answer invalid. It reports the call to the
// Observer and the debug log and returns the outcome, the HTTP status (0
// when none arrived) and a detail error that is nil only for
// apiclient.OutcomeOK.
func call[R any](c *Client, req *http.Request, endpoint string, use func(*R) error) (string, int, error) {
	start := c.now()
	outcome, status, err := apiclient.Send(c.hc, req, func(resp *http.Response) (string, error) {
		member, outcome, err := readAnswer[R](req.Context(), resp)
		if err != nil {
			return outcome, err
		}
		if err := use(member); err != nil {
			return apiclient.OutcomeInvalidAnswer, err
		}
		return outcome, nil
	})
	apiclient.Report(c.obs, c.log.Load(), "i'mport call", endpoint, outcome, status, c.now().Sub(start))
	return outcome, status, err
}

// readAnswer maps an i'mport answer to an outcome and a detail error, and
// returns the response member of a 200 answer whose envelope is sound.
func readAnswer[R any](ctx context.Context, resp *http.Response) (*R, string, error) {
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized:
		return nil, apiclient.OutcomeUnauthorized, statusError(status)
	case status == http.StatusNotFound:
		return nil, apiclient.OutcomeNotFound, statusError(status)
	case status >= 500:
		return nil, apiclient.OutcomeServerError, statusError(status)
	case status >= 400:
		return nil, apiclient.OutcomeClientError, statusError(status)
	case status != http.StatusOK:
		return nil, apiclient.OutcomeInvalidAnswer, statusError(status)
	}
	body, outcome, err := apiclient.ReadAnswer(ctx, resp)
	if err != nil {
		return nil, outcome, err
	}
	return decodeAnswer[R](body)
}

// decodeAnswer decodes a 200 answer's body: a certification answer with
// decodeCertFast when it can, everything else with encoding/json. A malformed body, an absent
// code, or a null or absent response make the answer invalid; a code other
// than 0 is an API error even when the response member has another shape
// (an error answer's member is not an R); a response member of the wrong
// JSON type makes the answer invalid.
func decodeAnswer[R any](body []byte) (*R, string, error) {
	var env envelope[R]
	var err error
	if cert, ok := any(&env).(*envelope[wireCert]); !ok || !decodeCertFast(body, cert) {
		err = json.Unmarshal(body, &env)
	}
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return nil, apiclient.OutcomeInvalidAnswer, fmt.Errorf("decoding answer: %w", err)
	}
	switch {
	case env.Code == nil && err != nil:
		return nil, apiclient.OutcomeInvalidAnswer, fmt.Errorf("decoding answer: %w", err)
	case env.Code == nil:
		return nil, apiclient.OutcomeInvalidAnswer, errNoCode
	case *env.Code != 0:
		return nil, apiclient.OutcomeAPIError, fmt.Errorf("status 200 with code %d", *env.Code)
	case err != nil:
		return nil, apiclient.OutcomeInvalidAnswer, fmt.Errorf("decoding response: %w", err)
	case env.Response == nil:
		return nil, apiclient.OutcomeInvalidAnswer, errNullResponse
	}
	return env.Response, apiclient.OutcomeOK, nil
}

func statusError(status int) error { return fmt.Errorf("status %d", status) }
