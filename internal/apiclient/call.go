package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
)

const (
	// MaxAnswerBytes is the most of any answer body that is read (1 MiB).
	MaxAnswerBytes = 1 << 20
	// DrainBytes is how much of an unread body is discarded before closing,
	// so that small leftovers do not cost the keep-alive connection.
	DrainBytes = 4 << 10
)

// ErrTooLarge is the detail of an answer body over MaxAnswerBytes.
var ErrTooLarge = errors.New("answer larger than 1 MiB")

// Send sends req on hc and hands the answer to read, which maps its status
// and body to an outcome and a detail error. The body is drained (at most
// DrainBytes more) and closed afterwards. It returns the outcome, the HTTP
// status (0 when no answer arrived) and the detail; a failure to send gives
// OutcomeTimeout or OutcomeNetworkError with an error that leaves out the
// request URL.
func Send(hc *http.Client, req *http.Request, read func(*http.Response) (string, error)) (string, int, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return TransportOutcome(req.Context(), err), 0, WithoutURL(err)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, DrainBytes)
		_ = resp.Body.Close()
	}()
	outcome, err := read(resp)
	return outcome, resp.StatusCode, err
}

// Report tells obs about a call that took d and writes it to log at debug
// level as msg ("i'mport call", "PortOne call") with its endpoint, status,
// outcome and duration; never its URL.
func Report(obs Observer, log *zap.Logger, msg, endpoint, outcome string, status int, d time.Duration) {
	obs.ObserveCall(endpoint, outcome, d)
	// Checked first: the fields would otherwise be built (a 256-byte slice
	// per call) for a line that the usual info level drops.
	if ce := log.Check(zap.DebugLevel, msg); ce != nil {
		ce.Write(
			zap.String("endpoint", endpoint),
			zap.Int("status", status),
			zap.String("outcome", outcome),
			zap.Duration("duration", d))
	}
}

// ReadAnswer reads at most MaxAnswerBytes of an answer's body, sent for a
// request with context ctx. When the body cannot be read it returns the
// transport's outcome; when it is larger, OutcomeInvalidAnswer and
// ErrTooLarge; otherwise the body and OutcomeOK.
func ReadAnswer(ctx context.Context, resp *http.Response) ([]byte, string, error) {
	body, err := readAll(io.LimitReader(resp.Body, MaxAnswerBytes+1), resp.ContentLength)
	if err != nil {
		return nil, TransportOutcome(ctx, err), fmt.Errorf("reading answer: %w", err)
	}
	if len(body) > MaxAnswerBytes {
		return nil, OutcomeInvalidAnswer, ErrTooLarge
	}
	return body, OutcomeOK, nil
}

// readAll is io.ReadAll starting with room for a body of the declared
// length (and the read that finds its end), so that an answer with a
// Content-Length is read into one allocation instead of several grown
// ones. An unknown (-1) or implausible length starts as io.ReadAll does.
func readAll(r io.Reader, length int64) ([]byte, error) {
	size := 512
	if length >= 0 && length <= MaxAnswerBytes {
		size = int(length) + 1
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// WithoutURL drops the request URL that net/http puts into transport
// errors: it holds the verification id, which logs must never carry in
// clear.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// TransportOutcome tells a timeout (the request's context ended, or the
// network timed out) from any other network failure.
func TransportOutcome(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return OutcomeTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	return OutcomeNetworkError
}
