package iamport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// envelope is the wrapper around every i'mport answer. Pointers and
// RawMessage tell absent members apart from null ones.
type envelope struct {
	Code     *int            `json:"code"`
	Response json.RawMessage `json:"response"`
}

var (
	errNoCode       = errors.New("answer has no code")
	errNullResponse = errors.New("status 200 with null or absent response")
)

// call sends req, reads at most apiclient.MaxAnswerBytes of the answer, checks the
// envelope and hands its response member to decode. It reports the call to
// the Observer and the debug log and returns the outcome, the HTTP status
// (0 when none arrived) and a detail error that is nil only for apiclient.OutcomeOK.
func (c *Client) call(req *http.Request, endpoint string, decode func(json.RawMessage) error) (string, int, error) {
	start := c.now()
	outcome, status, err := apiclient.Send(c.hc, req, func(resp *http.Response) (string, error) {
		return readAnswer(req.Context(), resp, decode)
	})
	apiclient.Report(c.obs, c.log.Load(), "i'mport call", endpoint, outcome, status, c.now().Sub(start))
	return outcome, status, err
}

// readAnswer maps an i'mport answer to an outcome and a detail error,
// checking the envelope of a 200 answer and handing its response member to
// decode.
func readAnswer(ctx context.Context, resp *http.Response, decode func(json.RawMessage) error) (string, error) {
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized:
		return apiclient.OutcomeUnauthorized, statusError(status)
	case status == http.StatusNotFound:
		return apiclient.OutcomeNotFound, statusError(status)
	case status >= 500:
		return apiclient.OutcomeServerError, statusError(status)
	case status >= 400:
		return apiclient.OutcomeClientError, statusError(status)
	case status != http.StatusOK:
		return apiclient.OutcomeInvalidAnswer, statusError(status)
	}
	body, outcome, err := apiclient.ReadAnswer(ctx, resp.Body)
	if err != nil {
		return outcome, err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return apiclient.OutcomeInvalidAnswer, fmt.Errorf("decoding envelope: %w", err)
	}
	if env.Code == nil {
		return apiclient.OutcomeInvalidAnswer, errNoCode
	}
	if *env.Code != 0 {
		return apiclient.OutcomeAPIError, fmt.Errorf("status 200 with code %d", *env.Code)
	}
	if len(env.Response) == 0 || bytes.Equal(env.Response, []byte("null")) {
		return apiclient.OutcomeInvalidAnswer, errNullResponse
	}
	if err := decode(env.Response); err != nil {
		return apiclient.OutcomeInvalidAnswer, err
	}
	return apiclient.OutcomeOK, nil
}

func statusError(status int) error { return fmt.Errorf("status %d", status) }
