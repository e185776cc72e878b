package iamport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"
)

const (
	// maxAnswerBytes is the most of any answer body that is read (1 MiB).
	maxAnswerBytes = 1 << 20
	// drainBytes is how much of an unread body is discarded before closing,
	// so that small leftovers do not cost the keep-alive connection.
	drainBytes = 4 << 10
)

// envelope is the wrapper around every i'mport answer. Pointers and
// RawMessage tell absent members apart from null ones.
type envelope struct {
	Code     *int            `json:"code"`
	Response json.RawMessage `json:"response"`
}

var (
	errTooLarge     = errors.New("answer larger than 1 MiB")
	errNoCode       = errors.New("answer has no code")
	errNullResponse = errors.New("status 200 with null or absent response")
)

// call sends req, reads at most maxAnswerBytes of the answer, checks the
// envelope and hands its response member to decode. It reports the call to
// the Observer and the debug log and returns the outcome, the HTTP status
// (0 when none arrived) and a detail error that is nil only for OutcomeOK.
func (c *Client) call(req *http.Request, endpoint string, decode func(json.RawMessage) error) (string, int, error) {
	start := c.now()
	outcome, status, err := c.exchange(req, decode)
	d := c.now().Sub(start)
	c.obs.ObserveCall(endpoint, outcome, d)
	c.log.Load().Debug("i'mport call",
		zap.String("endpoint", endpoint),
		zap.Int("status", status),
		zap.String("outcome", outcome),
		zap.Duration("duration", d))
	return outcome, status, err
}

func (c *Client) exchange(req *http.Request, decode func(json.RawMessage) error) (string, int, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportOutcome(req.Context(), err), 0, withoutURL(err)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, drainBytes)
		_ = resp.Body.Close()
	}()
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized:
		return OutcomeUnauthorized, status, statusError(status)
	case status == http.StatusNotFound:
		return OutcomeNotFound, status, statusError(status)
	case status >= 500:
		return OutcomeServerError, status, statusError(status)
	case status >= 400:
		return OutcomeClientError, status, statusError(status)
	case status != http.StatusOK:
		return OutcomeInvalidAnswer, status, statusError(status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return transportOutcome(req.Context(), err), status, fmt.Errorf("reading answer: %w", err)
	}
	if len(body) > maxAnswerBytes {
		return OutcomeInvalidAnswer, status, errTooLarge
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return OutcomeInvalidAnswer, status, fmt.Errorf("decoding envelope: %w", err)
	}
	if env.Code == nil {
		return OutcomeInvalidAnswer, status, errNoCode
	}
	if *env.Code != 0 {
		return OutcomeAPIError, status, fmt.Errorf("status 200 with code %d", *env.Code)
	}
	if len(env.Response) == 0 || bytes.Equal(env.Response, []byte("null")) {
		return OutcomeInvalidAnswer, status, errNullResponse
	}
	if err := decode(env.Response); err != nil {
		return OutcomeInvalidAnswer, status, err
	}
	return OutcomeOK, status, nil
}

// withoutURL drops the request URL that net/http puts into transport
// errors: it holds the imp_uid, which logs must never carry in clear.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

func statusError(status int) error { return fmt.Errorf("status %d", status) }

// transportOutcome tells a timeout (the request's context ended, or the
// network timed out) from any other network failure.
func transportOutcome(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return OutcomeTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	return OutcomeNetworkError
}
