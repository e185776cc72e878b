package problem

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestEveryCodeHasItsContractStatus(t *testing.T) {
	want := map[Code]int{
		ImpUIDMissing: 400, ImpUIDInvalid: 400, ImpUIDConflict: 400, BodyInvalid: 400, TunnelRefused: 400,
		BodyTooLarge:         413,
		VerificationNotFound: 403, NotCertified: 403, Underage: 403, Overage: 403,
		ForeignerDenied: 403, CIMissing: 403, VerificationExpired: 403,
		ImpUIDReused:            409,
		VerificationUnavailable: 503,
		VerificationFailed:      502,
	}
	if len(Codes()) != len(want) {
		t.Fatalf("Codes() has %d codes, the contract %d", len(Codes()), len(want))
	}
	for _, c := range Codes() {
		if c.Status() != want[c] {
			t.Errorf("%s answers %d, want %d", c, c.Status(), want[c])
		}
		if c.Title() == "" {
			t.Errorf("%s has no title", c)
		}
	}
	if Code("nope").Status() != 500 {
		t.Error("an unknown code must answer 500")
	}
}

func TestWriteAnswersProblemJSON(t *testing.T) {
	cases := []struct {
		code       Code
		retryAfter string
	}{
		{Underage, ""},
		{VerificationUnavailable, "5"},
		{BodyTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(string(tc.code), func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := Write(rec, Wrap(tc.code, "the detail", errors.New("secret cause")))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.code.Status() || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("answer %d %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if rec.Header().Get("Retry-After") != tc.retryAfter || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("Retry-After %q, Cache-Control %q", rec.Header().Get("Retry-After"), rec.Header().Get("Cache-Control"))
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
				t.Fatalf("Content-Length %s, body %d bytes", got, rec.Body.Len())
			}
			if strings.Contains(rec.Body.String(), "secret cause") {
				t.Fatal("the cause reached the client")
			}
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["type"] != "about:blank" || doc["title"] != tc.code.Title() || doc["status"] != float64(tc.code.Status()) ||
				doc["detail"] != "the detail" || doc["code"] != string(tc.code) {
				t.Fatalf("document %v", doc)
			}
		})
	}
}

func TestErrorTextAndUnwrap(t *testing.T) {
	cause := errors.New("status 503")
	e := Wrap(VerificationUnavailable, "try again", cause)
	if !errors.Is(e, cause) || e.Error() != "verification_unavailable: try again: status 503" {
		t.Fatalf("error %q", e)
	}
	if New(Underage, "too young").Error() != "underage: too young" {
		t.Fatal(New(Underage, "too young").Error())
	}
}
