package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseBaseURLKeepsAPathAndRefusesWhatCouldLeakOrMislead(t *testing.T) {
	for _, tt := range []struct {
		name, raw, want, wantErr string
	}{
		{"empty is the default", "", "https://api.example.test", ""},
		{"a trailing slash is dropped", "http://127.0.0.1:9080/", "http://127.0.0.1:9080", ""},
		{"a path prefix is kept", "https://proxy.test/iamport/", "https://proxy.test/iamport", ""},
		{"another scheme", "ftp://api.test", "", "scheme must be http or https"},
		{"no host", "https:///x", "", "has no host"},
		{"user information", "https://user:pw@api.test", "", "must not carry user information"},
		{"a query", "https://api.test?x=1", "", "must not carry a query or fragment"},
		{"an empty query", "https://api.test?", "", "must not carry a query or fragment"},
		{"a fragment", "https://api.test#x", "", "must not carry a query or fragment"},
		{"does not parse", "https://api.test/%zz", "", "does not parse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBaseURL(tt.raw, "https://api.example.test", "test config")
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseBaseURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "test config: ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseBaseURL(%q) error = %v; want one starting with the config's name and saying %q", tt.raw, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("the error repeats the URL: %v", err)
			}
		})
	}
}

func TestFailureWrapsTheSentinelAndTheDetail(t *testing.T) {
	sentinel, detail := errors.New("unavailable"), errors.New("status 503")
	err := Failure("fetching x", sentinel, detail)
	if !errors.Is(err, sentinel) || !errors.Is(err, detail) || err.Error() != "fetching x: unavailable: status 503" {
		t.Errorf("Failure = %v", err)
	}
	if err := Failure("fetching x", sentinel, nil); !errors.Is(err, sentinel) || err.Error() != "fetching x: unavailable" {
		t.Errorf("Failure without detail = %v", err)
	}
}

func TestTransportErrorsLoseTheURLAndTellTimeoutsApart(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://api.test/certifications/imp_123", Err: os.ErrDeadlineExceeded}
	if got := WithoutURL(err).Error(); strings.Contains(got, "imp_123") || !strings.HasPrefix(got, "get: ") {
		t.Errorf("WithoutURL = %q", got)
	}
	if got := TransportOutcome(context.Background(), err); got != OutcomeTimeout {
		t.Errorf("a network timeout is %q, want %q", got, OutcomeTimeout)
	}
	refused := &url.Error{Op: "Get", URL: "https://api.test/", Err: errors.New("connection refused")}
	if got := TransportOutcome(context.Background(), refused); got != OutcomeNetworkError {
		t.Errorf("a refused connection is %q, want %q", got, OutcomeNetworkError)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := TransportOutcome(ctx, refused); got != OutcomeTimeout {
		t.Errorf("any failure after the context ended is %q, want %q", got, OutcomeTimeout)
	}
}

func TestHeaderSafeAcceptsOnlyPrintableASCIIWithoutSpaces(t *testing.T) {
	for _, tt := range []struct {
		name, s string
		want    bool
	}{
		{"letters, digits and punctuation", "abc_DEF-123.~!", true},
		{"empty", "", true},
		{"a space", "abc def", false},
		{"a tab", "abc\tdef", false},
		{"a line break", "abc\r\nX-Injected: 1", false},
		{"DEL", "abc\x7f", false},
		{"non-ASCII", "비밀", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := HeaderSafe(tt.s); got != tt.want {
				t.Errorf("HeaderSafe(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

// TestReadAnswerReadsWholeBodiesWhateverTheyDeclare proves that the size
// hint only decides the first allocation: a body is read whole whether its
// Content-Length is right, unknown, too small or absurd, and one over
// MaxAnswerBytes is refused.
func TestReadAnswerReadsWholeBodiesWhateverTheyDeclare(t *testing.T) {
	small := strings.Repeat("a", 572)
	big := strings.Repeat("b", 3*512+7)
	tests := []struct {
		name     string
		body     string
		declared int64
		wantErr  error
	}{
		{"declared exactly", small, int64(len(small)), nil},
		{"unknown length", big, -1, nil},
		{"declared too short", big, 10, nil},
		{"declared zero, body present", small, 0, nil},
		{"declared above the cap", small, MaxAnswerBytes * 4, nil},
		{"empty body", "", 0, nil},
		{"over the cap, declared", strings.Repeat("c", MaxAnswerBytes+1), MaxAnswerBytes + 1, ErrTooLarge},
		{"over the cap, unknown length", strings.Repeat("c", MaxAnswerBytes+1), -1, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Body: io.NopCloser(iotest.OneByteReader(strings.NewReader(tt.body))), ContentLength: tt.declared}
			if len(tt.body) > 4096 {
				resp.Body = io.NopCloser(strings.NewReader(tt.body))
			}
			got, outcome, err := ReadAnswer(context.Background(), resp)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || outcome != OutcomeInvalidAnswer {
					t.Fatalf("ReadAnswer = %q, %v; want %v", outcome, err, tt.wantErr)
				}
				return
			}
			if err != nil || outcome != OutcomeOK || string(got) != tt.body {
				t.Fatalf("ReadAnswer = %d bytes, %q, %v; want the %d-byte body", len(got), outcome, err, len(tt.body))
			}
		})
	}
}

func TestOnlyServerNetworkAndTimeoutOutcomesAreTransient(t *testing.T) {
	for _, o := range []string{OutcomeOK, OutcomeNotFound, OutcomeUnauthorized, OutcomeClientError, OutcomeServerError,
		OutcomeAPIError, OutcomeInvalidAnswer, OutcomeNetworkError, OutcomeTimeout} {
		want := o == OutcomeServerError || o == OutcomeNetworkError || o == OutcomeTimeout
		if got := Transient(o); got != want {
			t.Errorf("Transient(%q) = %v, want %v", o, got, want)
		}
	}
}
