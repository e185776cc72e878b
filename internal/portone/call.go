package portone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/apiclient"
)

// maxErrorBytes is the most of an error answer that is read (16 KiB).
const maxErrorBytes = 16 << 10

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

var errSecretRefused = errors.New("PortOne refused the API secret")

// call sends req, reads at most apiclient.MaxAnswerBytes of a 200 answer and hands it
// to decode. It reports the call to the Observer and the debug log and
// returns the outcome, the HTTP status (0 when none arrived) and a detail
// error that is nil only for apiclient.OutcomeOK.
func (c *Client) call(req *http.Request, decode func([]byte) error) (string, int, error) {
	return c.callSeeing(req, decode, nil)
}

// callSeeing is call that also hands the answer's header, when an answer
// arrived, to seen (when not nil).
func (c *Client) callSeeing(req *http.Request, decode func([]byte) error, seen func(http.Header)) (string, int, error) {
	start := c.now()
	outcome, status, err := apiclient.Send(c.hc, req, func(resp *http.Response) (string, error) {
		if seen != nil {
			seen(resp.Header)
		}
		return readAnswer(req.Context(), resp, decode)
	})
	log := c.log.Load()
	apiclient.Report(c.obs, log, "PortOne call", EndpointIdentityVerification, outcome, status, c.now().Sub(start))
	if outcome == apiclient.OutcomeUnauthorized {
		if ok, held := c.refusedSecret.allow(c.now()); ok {
			log.Warn("PortOne refused the API secret: check api_secret (and store_id) in the portone block",
				zap.Int("status", status), zap.Int("not_logged_since_last_line", held))
		}
	}
	return outcome, status, err
}

// readAnswer maps a V2 answer to an outcome and a detail error, handing
// the body of a 200 answer to decode.
func readAnswer(ctx context.Context, resp *http.Response, decode func([]byte) error) (string, error) {
	status := resp.StatusCode
	switch {
	case status >= 500:
		return apiclient.OutcomeServerError, statusError(status, "")
	case status >= 400:
		return classifyError(status, readErrorType(resp.Body))
	case status != http.StatusOK:
		return apiclient.OutcomeInvalidAnswer, statusError(status, "")
	}
	body, outcome, err := apiclient.ReadAnswer(ctx, resp)
	if err != nil {
		return outcome, err
	}
	if err := decode(body); err != nil {
		return apiclient.OutcomeInvalidAnswer, err
	}
	return apiclient.OutcomeOK, nil
}

// classifyError maps a 4xx answer and its error type to an outcome and a
// detail error. Only IDENTITY_VERIFICATION_NOT_FOUND on a 404 means the
// verification does not exist: any other 404 (a wrong api_base, a proxy's
// page) is a failure, not a "not found" a client could be told.
func classifyError(status int, typ string) (string, error) {
	switch {
	case status == http.StatusNotFound && typ == typeNotFound:
		return apiclient.OutcomeNotFound, statusError(status, typ)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return apiclient.OutcomeUnauthorized, fmt.Errorf("%w: %w", errSecretRefused, statusError(status, typ))
	default:
		return apiclient.OutcomeClientError, statusError(status, typ)
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
