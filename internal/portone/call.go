package portone

import (
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
	// maxErrorBytes is the most of an error answer that is read (16 KiB).
	maxErrorBytes = 16 << 10
	// drainBytes is how much of an unread body is discarded before closing,
	// so that small leftovers do not cost the keep-alive connection.
	drainBytes = 4 << 10
)

// The error types of GET /identity-verifications/{id} (V2-spec
// GetIdentityVerificationError).
const (
	typeNotFound       = "IDENTITY_VERIFICATION_NOT_FOUND"
	typeInvalidRequest = "INVALID_REQUEST"
	typeUnauthorized   = "UNAUTHORIZED"
	typeForbidden      = "FORBIDDEN"
)

// errorBody is a V2 error answer: {"type": "...", "message": "..."}. The
// message is never read: it may echo request data.
type errorBody struct {
	Type *string `json:"type"`
}

var (
	errTooLarge      = errors.New("answer larger than 1 MiB")
	errSecretRefused = errors.New("PortOne refused the API secret")
)

// call sends req, reads at most maxAnswerBytes of a 200 answer and hands it
// to decode. It reports the call to the Observer and the debug log and
// returns the outcome, the HTTP status (0 when none arrived) and a detail
// error that is nil only for OutcomeOK.
func (c *Client) call(req *http.Request, decode func([]byte) error) (string, int, error) {
	return c.callSeeing(req, decode, nil)
}

// callSeeing is call that also hands the answer's header, when an answer
// arrived, to seen (when not nil).
func (c *Client) callSeeing(req *http.Request, decode func([]byte) error, seen func(http.Header)) (string, int, error) {
	start := c.now()
	outcome, status, err := c.exchange(req, decode, seen)
	d := c.now().Sub(start)
	c.obs.ObserveCall(EndpointIdentityVerification, outcome, d)
	log := c.log.Load()
	log.Debug("PortOne call",
		zap.String("endpoint", EndpointIdentityVerification),
		zap.Int("status", status),
		zap.String("outcome", outcome),
		zap.Duration("duration", d))
	if outcome == OutcomeUnauthorized {
		log.Warn("PortOne refused the API secret: check api_secret (and store_id) in the portone block",
			zap.Int("status", status))
	}
	return outcome, status, err
}

func (c *Client) exchange(req *http.Request, decode func([]byte) error, seen func(http.Header)) (string, int, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportOutcome(req.Context(), err), 0, withoutURL(err)
	}
	if seen != nil {
		seen(resp.Header)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, drainBytes)
		_ = resp.Body.Close()
	}()
	status := resp.StatusCode
	switch {
	case status >= 500:
		return OutcomeServerError, status, statusError(status, "")
	case status >= 400:
		outcome, detail := classifyError(status, readErrorType(resp.Body))
		return outcome, status, detail
	case status != http.StatusOK:
		return OutcomeInvalidAnswer, status, statusError(status, "")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return transportOutcome(req.Context(), err), status, fmt.Errorf("reading answer: %w", err)
	}
	if len(body) > maxAnswerBytes {
		return OutcomeInvalidAnswer, status, errTooLarge
	}
	if err := decode(body); err != nil {
		return OutcomeInvalidAnswer, status, err
	}
	return OutcomeOK, status, nil
}

// classifyError maps a 4xx answer and its error type to an outcome and a
// detail error. Only IDENTITY_VERIFICATION_NOT_FOUND on a 404 means the
// verification does not exist: any other 404 (a wrong api_base, a proxy's
// page) is a failure, not a "not found" a client could be told.
func classifyError(status int, typ string) (string, error) {
	switch {
	case status == http.StatusNotFound && typ == typeNotFound:
		return OutcomeNotFound, statusError(status, typ)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return OutcomeUnauthorized, fmt.Errorf("%w: %w", errSecretRefused, statusError(status, typ))
	default:
		return OutcomeClientError, statusError(status, typ)
	}
}

// readErrorType reads the type of an error answer: one of the documented
// types, "unrecognised" for any other type, or "" when the body is not a
// V2 error object. Only these fixed strings ever reach errors and logs.
func readErrorType(body io.Reader) string {
	raw, err := io.ReadAll(io.LimitReader(body, maxErrorBytes))
	if err != nil {
		return ""
	}
	var e errorBody
	if json.Unmarshal(raw, &e) != nil || e.Type == nil {
		return ""
	}
	switch *e.Type {
	case typeNotFound, typeInvalidRequest, typeUnauthorized, typeForbidden:
		return *e.Type
	}
	return "unrecognised"
}

// statusError describes an answer's status and, when known, error type.
func statusError(status int, typ string) error {
	if typ == "" {
		return fmt.Errorf("status %d", status)
	}
	return fmt.Errorf("status %d, type %s", status, typ)
}

// withoutURL drops the request URL that net/http puts into transport
// errors: it holds the id, which logs must never carry in clear.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

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
