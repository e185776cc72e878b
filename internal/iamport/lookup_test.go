package iamport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/apiclient"
	"github.com/verigate/caddy-iamport/internal/certification"
)

func TestLookupReturnsNormalisedRecord(t *testing.T) {
	f := newFake(t)
	c, _, rec := testClient(t, f)
	got, err := c.Lookup(context.Background(), testID)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	want := certification.Record{
		Source: certification.SourceIamport, ImpUID: testID, Certified: true, CertifiedAt: time.Unix(1700000000, 0).UTC(),
		Name: testName, Gender: "male", Birthday: certification.Date{Year: 1980, Month: time.April, Day: 28},
		Phone: testPhone, Carrier: "SKT", CI: testCI, DI: testDI,
	}
	if got != want {
		t.Fatalf("record = %+v\nwant     %+v", got, want)
	}
	if want := []string{"get_token/ok", "certification/ok"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}

func TestLookupRefusesInvalidIDBeforeAnyCall(t *testing.T) {
	f := newFake(t)
	c, _, rec := testClient(t, f)
	if _, err := c.Lookup(context.Background(), "imp_1/../../users/getToken"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("Lookup error = %v, want ErrInvalidID", err)
	}
	if n := f.tokenCalls.Load() + f.certCalls.Load(); n != 0 || len(rec.got()) != 0 {
		t.Fatalf("made %d calls (observed %v), want none", n, rec.got())
	}
}

func TestCertificationPathIsEscapedUnderBasePath(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.BaseURL = f.srv.URL + "/v1/" })
	if got, want := c.certificationURL("imp_1/../x y"), f.srv.URL+"/v1/certifications/imp_1%2F..%2Fx%20y"; got != want {
		t.Fatalf("certificationURL = %q, want %q", got, want)
	}
	if _, err := c.Lookup(context.Background(), testID); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if want := []string{"/v1/certifications/" + testID}; !equalStrings(f.paths(), want) {
		t.Fatalf("server saw paths %v, want %v", f.paths(), want)
	}
}

// statusSeq answers the n-th certification call with statuses[n-1]; a 200
// serves danalRecord.
func statusSeq(f *fakeIamport, statuses ...int) handler {
	return func(w http.ResponseWriter, r *http.Request, n int32) {
		switch s := statuses[n-1]; s {
		case http.StatusOK:
			f.defaultCert(w, r, n)
		case http.StatusNotFound:
			writeJSON(w, s, `{"code":-1,"message":"인증결과가 존재하지 않습니다.","response":null}`)
		default:
			writeJSON(w, s, `{"code":-1,"message":"x","response":null}`)
		}
	}
}

func TestLookupRetries(t *testing.T) {
	tests := []struct {
		name           string
		statuses       []int
		want           error
		wantTokenCalls int32
		wantObserved   []string
	}{
		{"401 then fresh token succeeds", []int{401, 200}, nil, 2,
			[]string{"get_token/ok", "certification/unauthorized", "get_token/ok", "certification/ok"}},
		{"401 twice is failed", []int{401, 401}, certification.ErrFailed, 2,
			[]string{"get_token/ok", "certification/unauthorized", "get_token/ok", "certification/unauthorized"}},
		{"503 then success", []int{503, 200}, nil, 1,
			[]string{"get_token/ok", "certification/server_error", "certification/ok"}},
		{"5xx twice is unavailable", []int{502, 500}, certification.ErrUnavailable, 1,
			[]string{"get_token/ok", "certification/server_error", "certification/server_error"}},
		{"503 then 404 is not found", []int{503, 404}, certification.ErrNotFound, 1,
			[]string{"get_token/ok", "certification/server_error", "certification/not_found"}},
		{"401 then 503 then success uses both retries", []int{401, 503, 200}, nil, 2,
			[]string{"get_token/ok", "certification/unauthorized", "get_token/ok", "certification/server_error", "certification/ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.cert = statusSeq(f, tt.statuses...)
			c, _, rec := testClient(t, f)
			_, err := c.Lookup(context.Background(), testID)
			if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Lookup error = %v, want %v", err, tt.want)
			}
			if got := f.tokenCalls.Load(); got != tt.wantTokenCalls {
				t.Fatalf("getToken calls = %d, want %d", got, tt.wantTokenCalls)
			}
			if got := f.certCalls.Load(); got != int32(len(tt.statuses)) {
				t.Fatalf("certification calls = %d, want %d", got, len(tt.statuses))
			}
			if !equalStrings(rec.got(), tt.wantObserved) {
				t.Fatalf("observed %v, want %v", rec.got(), tt.wantObserved)
			}
		})
	}
}

// failingTransport fails the first `fail` certification requests with a
// network error and passes everything else on.
type failingTransport struct {
	next http.RoundTripper
	fail chan struct{} // one token per failure still to make
}

func (ft failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/certifications/") {
		select {
		case <-ft.fail:
			return nil, errors.New("connection reset by peer")
		default:
		}
	}
	return ft.next.RoundTrip(r)
}

func TestNetworkErrorOnCertificationIsRetriedOnce(t *testing.T) {
	tests := []struct {
		name         string
		failures     int
		want         error
		wantServed   int32
		wantObserved []string
	}{
		{"one failure then success", 1, nil, 1,
			[]string{"get_token/ok", "certification/network_error", "certification/ok"}},
		{"two failures is unavailable", 2, certification.ErrUnavailable, 0,
			[]string{"get_token/ok", "certification/network_error", "certification/network_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			fail := make(chan struct{}, 3)
			for i := 0; i < tt.failures; i++ {
				fail <- struct{}{}
			}
			hc := &http.Client{Transport: failingTransport{next: http.DefaultTransport, fail: fail}}
			c, _, rec := testClient(t, f, func(cfg *Config) { cfg.HTTPClient = hc })
			_, err := c.Lookup(context.Background(), testID)
			if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Lookup error = %v, want %v", err, tt.want)
			}
			if got := f.certCalls.Load(); got != tt.wantServed {
				t.Fatalf("certification calls served = %d, want %d", got, tt.wantServed)
			}
			if !equalStrings(rec.got(), tt.wantObserved) {
				t.Fatalf("observed %v, want %v", rec.got(), tt.wantObserved)
			}
		})
	}
}

// TestDeadlineDuringCertificationIsUnavailableWithoutRetry: the server
// blocks until the request's context ends; the test ends the caller's
// deadline once the request has arrived.
func TestDeadlineDuringCertificationIsUnavailableWithoutRetry(t *testing.T) {
	f := newFake(t)
	arrived := make(chan struct{}, 2)
	f.cert = func(_ http.ResponseWriter, r *http.Request, _ int32) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}
	c, _, rec := testClient(t, f)
	ctx := newExpiringCtx()
	errc := make(chan error, 1)
	go func() { _, err := c.Lookup(ctx, testID); errc <- err }()
	<-arrived
	ctx.expire()
	err := <-errc
	if !errors.Is(err, certification.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lookup error = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if got := f.certCalls.Load(); got != 1 {
		t.Fatalf("certification calls = %d, want 1", got)
	}
	if want := []string{"get_token/ok", "certification/timeout"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}

func TestCertificationAnswersMapToSentinels(t *testing.T) {
	big := `{"code":0,"response":{"name":"` + strings.Repeat("a", apiclient.MaxAnswerBytes) + `"}}`
	tests := []struct {
		name    string
		status  int
		body    string
		want    error
		outcome string
	}{
		{"404 is not found", 404, `{"code":-1,"message":"인증결과가 존재하지 않습니다.","response":null}`, certification.ErrNotFound, apiclient.OutcomeNotFound},
		{"200 with code 1 is failed", 200, `{"code":1,"message":"x","response":null}`, certification.ErrFailed, apiclient.OutcomeAPIError},
		{"200 with code -1 and a response is failed", 200, `{"code":-1,"message":"x","response":{}}`, certification.ErrFailed, apiclient.OutcomeAPIError},
		{"200 with null response is failed", 200, `{"code":0,"message":null,"response":null}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"200 without response is failed", 200, `{"code":0}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"200 without code is failed", 200, `{"response":{}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"malformed JSON is failed", 200, `{"code":0,"response":{`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"HTML is failed", 200, `<html>maintenance</html>`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"wrong type for certified is failed", 200, `{"code":0,"response":{"certified":"true"}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"string code is failed", 200, `{"code":"0","response":{}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"record for another id is failed", 200, `{"code":0,"response":{"imp_uid":"imp_1","certified":true}}`, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"answer over 1 MiB is failed", 200, big, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"400 is failed", 400, `{}`, certification.ErrFailed, apiclient.OutcomeClientError},
		{"403 is failed", 403, `{}`, certification.ErrFailed, apiclient.OutcomeClientError},
		{"redirect is failed, not followed", 302, ``, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
		{"204 is failed", 204, ``, certification.ErrFailed, apiclient.OutcomeInvalidAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.cert = func(w http.ResponseWriter, _ *http.Request, _ int32) {
				if tt.status == 302 {
					w.Header().Set("Location", "/users/getToken")
				}
				writeJSON(w, tt.status, tt.body)
			}
			c, _, rec := testClient(t, f)
			_, err := c.Lookup(context.Background(), testID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Lookup error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "fetching certification: ") {
				t.Fatalf("error %q lacks its context", err)
			}
			want := []string{"get_token/ok", "certification/" + tt.outcome}
			if !equalStrings(rec.got(), want) {
				t.Fatalf("observed %v, want %v", rec.got(), want)
			}
			if got := f.tokenCalls.Load(); got != 1 {
				t.Fatalf("getToken calls = %d, want 1", got)
			}
		})
	}
}

// countingBody is an answer body of size bytes that records how much was
// read and whether it was closed.
type countingBody struct {
	left, read int
	closed     bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range p[:n] {
		p[i] = ' ' // valid JSON whitespace, never ending the document
	}
	b.left -= n
	b.read += n
	return n, nil
}

func (b *countingBody) Close() error { b.closed = true; return nil }

type bodyTransport struct{ body *countingBody }

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: t.body, ContentLength: -1, Request: r}, nil
}

func TestOversizedAnswerIsReadAtMostOneMiBAndClosed(t *testing.T) {
	body := &countingBody{left: 64 << 20}
	rec := &recorder{}
	c, err := New(Config{Key: "k", Secret: "s", Observer: rec, HTTPClient: &http.Client{Transport: bodyTransport{body}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(context.Background(), testID); !errors.Is(err, certification.ErrFailed) {
		t.Fatalf("Lookup error = %v, want ErrFailed", err)
	}
	if limit := apiclient.MaxAnswerBytes + 1 + apiclient.DrainBytes; body.read > limit {
		t.Fatalf("read %d bytes, want at most %d", body.read, limit)
	}
	if !body.closed {
		t.Fatal("answer body not closed")
	}
	if want := []string{"get_token/invalid_answer"}; !equalStrings(rec.got(), want) {
		t.Fatalf("observed %v, want %v", rec.got(), want)
	}
}
