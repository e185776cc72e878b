package extract

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

func TestIDRestoresBodyByteForByte(t *testing.T) {
	binary := make([]byte, 256*64)
	for i := range binary {
		binary[i] = byte(i)
	}
	bigFile := strings.Repeat("\x00\xff\r\n--XyZ-not-a-boundary", 15000) // ~350 KiB
	tests := []struct {
		name, query, ct, body string
		length                int64 // -1: unknown, as a chunked body
	}{
		{"JSON", "", jsonCT, `{"imp_uid":"imp_1","name":"홍길동"}`, 0},
		{"JSON unknown length", "", jsonCT, `{"imp_uid":"imp_1","pad":"` + strings.Repeat("x", 100000) + `"}`, -1},
		{"form unknown length", "", formCT, "imp_uid=imp_1&b=%00%FF", -1},
		{"multipart with binary file", "", mpCT, multipartBody(boundary, file("f", "a.bin", string(binary)), field("imp_uid", "imp_1")), 0},
		{"multipart large file before and after", "", mpCT, multipartBody(boundary, file("a", "a.bin", bigFile), field("imp_uid", "imp_1"), file("b", "b.bin", bigFile)), -1},
		{"JSON refused still restored", "imp_uid=imp_2", jsonCT, `{"imp_uid":"imp_1"}`, 0},
		{"invalid JSON still restored", "", jsonCT, "{\xff", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			length := int64(len(tt.body))
			if tt.length < 0 {
				length = -1
			}
			r, tb := newRequest(tt.query, tt.ct, []byte(tt.body), length)
			_, _ = ID(r, Options{})
			requireRestored(t, r, []byte(tt.body))
			if tb.closed {
				t.Error("original body closed before the next handler closed it")
			}
			if err := r.Body.Close(); err != nil || !tb.closed {
				t.Errorf("closing the restored body: err %v, original closed %v", err, tb.closed)
			}
		})
	}
}

func TestIDRefusesUninspectableBodyWithoutReadingADeclaredOne(t *testing.T) {
	r, tb := newRequest("imp_uid=imp_1", "application/octet-stream", []byte("imp_uid=imp_2"), int64(len("imp_uid=imp_2")))
	before := r.Body
	if _, perr := ID(r, Options{}); codeOf(perr) != problem.BodyInvalid {
		t.Fatalf("ID() error = %v, want body_invalid", perr)
	}
	if r.Body != before || tb.r.Len() != len("imp_uid=imp_2") {
		t.Error("a body refused for its declared type was read")
	}
}

func TestIDReadsAnUninspectableBodyOfUnknownLengthToSeeItIsEmpty(t *testing.T) {
	tests := []struct {
		name, body string
		want       problem.Code
	}{
		{"empty passes on the query", "", ""},
		{"one byte is refused", "x", problem.BodyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRequest("imp_uid=imp_1", "text/plain", []byte(tt.body), -1)
			if _, perr := ID(r, Options{}); codeOf(perr) != tt.want {
				t.Fatalf("ID() error = %v, want %q", perr, tt.want)
			}
			requireRestored(t, r, []byte(tt.body))
		})
	}
}

func TestIDBodySizeLimit(t *testing.T) {
	const max = 1000
	exact := `{"imp_uid":"imp_1","p":"` + strings.Repeat("x", max-len(`{"imp_uid":"imp_1","p":""}`)) + `"}`
	over := exact[:len(exact)-2] + `x"}`
	tests := []struct {
		name   string
		body   string
		length int64
		want   problem.Code
	}{
		{"exactly MaxBody declared", exact, max, ""},
		{"exactly MaxBody unknown length", exact, -1, ""},
		{"one byte over declared", over, max + 1, problem.BodyTooLarge},
		{"one byte over unknown length", over, -1, problem.BodyTooLarge},
		{"declared short but longer in fact", over, max, problem.BodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRequest("", jsonCT, []byte(tt.body), tt.length)
			id, perr := ID(r, Options{MaxBody: max})
			if codeOf(perr) != tt.want {
				t.Fatalf("ID() = %q, %v; want code %q", id, perr, tt.want)
			}
			got, err := io.ReadAll(r.Body)
			if err != nil || string(got) != tt.body {
				t.Fatalf("body after ID differs (err %v, %d bytes, want %d)", err, len(got), len(tt.body))
			}
		})
	}
}

func TestIDDoesNotReadADeclaredOversizeBody(t *testing.T) {
	body := []byte(`{"imp_uid":"imp_1"}`)
	r, tb := newRequest("", jsonCT, body, 1<<30)
	before := r.Body
	if _, perr := ID(r, Options{}); codeOf(perr) != problem.BodyTooLarge {
		t.Fatalf("ID() error = %v, want body_too_large", perr)
	}
	if r.Body != before || tb.r.Len() != len(body) {
		t.Error("the body was read")
	}
}

func TestIDMapsReadErrors(t *testing.T) {
	cause := errors.New("connection reset")
	tests := []struct {
		name string
		err  error
		want problem.Code
	}{
		{"earlier request_body limit", &http.MaxBytesError{Limit: 10}, problem.BodyTooLarge},
		{"wrapped MaxBytesError", wrapped{&http.MaxBytesError{Limit: 10}}, problem.BodyTooLarge},
		{"client gone", cause, problem.BodyInvalid},
		{"unexpected EOF", io.ErrUnexpectedEOF, problem.BodyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, tb := newRequest("", jsonCT, []byte(`{"imp_uid":`), -1)
			tb.err = tt.err
			_, perr := ID(r, Options{})
			if codeOf(perr) != tt.want {
				t.Fatalf("ID() error = %v, want %s", perr, tt.want)
			}
			if !errors.Is(perr, tt.err) {
				t.Errorf("the refusal does not wrap the read error %v", tt.err)
			}
			got, err := io.ReadAll(r.Body)
			if !bytes.Equal(got, []byte(`{"imp_uid":`)) || !errors.Is(err, tt.err) {
				t.Errorf("after a failed read the body gives %q, %v", got, err)
			}
		})
	}
}

// wrapped hides an error behind Unwrap, as caddyhttp.HandlerError does.
type wrapped struct{ err error }

func (w wrapped) Error() string { return "handler error: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }
