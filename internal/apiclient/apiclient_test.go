package apiclient

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
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
