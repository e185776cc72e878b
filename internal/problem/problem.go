// Package problem names every refusal the gateway can give and writes it as
// an RFC 9457 problem details document (application/problem+json).
//
// The Code values are a public contract: backends, dashboards and error
// pages match on them, so they never change once released.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Code is the stable, machine-readable reason for a refusal.
type Code string

// The refusal codes, with the HTTP status each one answers with.
const (
	ImpUIDMissing           Code = "imp_uid_missing"          // 400
	ImpUIDInvalid           Code = "imp_uid_invalid"          // 400
	ImpUIDConflict          Code = "imp_uid_conflict"         // 400
	BodyInvalid             Code = "body_invalid"             // 400
	BodyTooLarge            Code = "body_too_large"           // 413
	TunnelRefused           Code = "tunnel_refused"           // 400
	VerificationNotFound    Code = "verification_not_found"   // 403
	NotCertified            Code = "not_certified"            // 403
	Underage                Code = "underage"                 // 403
	Overage                 Code = "overage"                  // 403
	ForeignerDenied         Code = "foreigner_denied"         // 403
	CIMissing               Code = "ci_missing"               // 403
	VerificationExpired     Code = "verification_expired"     // 403
	ImpUIDReused            Code = "imp_uid_reused"           // 409
	VerificationUnavailable Code = "verification_unavailable" // 503
	VerificationFailed      Code = "verification_failed"      // 502
)

// RetryAfterSeconds is the Retry-After value sent with
// verification_unavailable: long enough for a blip in i'mport or Redis to
// pass, short enough for a person waiting on a signup form.
const RetryAfterSeconds = 5

type info struct {
	status int
	title  string
}

var infos = map[Code]info{
	ImpUIDMissing:           {http.StatusBadRequest, "Identity verification id missing"},
	ImpUIDInvalid:           {http.StatusBadRequest, "Identity verification id invalid"},
	ImpUIDConflict:          {http.StatusBadRequest, "Conflicting identity verification ids"},
	BodyInvalid:             {http.StatusBadRequest, "Request body invalid"},
	BodyTooLarge:            {http.StatusRequestEntityTooLarge, "Request body too large"},
	TunnelRefused:           {http.StatusBadRequest, "Tunnel refused"},
	VerificationNotFound:    {http.StatusForbidden, "Identity verification not found"},
	NotCertified:            {http.StatusForbidden, "Identity not certified"},
	Underage:                {http.StatusForbidden, "Below the minimum age"},
	Overage:                 {http.StatusForbidden, "Above the maximum age"},
	ForeignerDenied:         {http.StatusForbidden, "Foreign nationals not accepted"},
	CIMissing:               {http.StatusForbidden, "Identity verification lacks connecting information"},
	VerificationExpired:     {http.StatusForbidden, "Identity verification expired"},
	ImpUIDReused:            {http.StatusConflict, "Identity verification already used"},
	VerificationUnavailable: {http.StatusServiceUnavailable, "Identity verification temporarily unavailable"},
	VerificationFailed:      {http.StatusBadGateway, "Identity verification failed"},
}

// Codes returns every known code, for documentation tests and metrics.
func Codes() []Code {
	out := make([]Code, 0, len(infos))
	for c := range infos {
		out = append(out, c)
	}
	return out
}

// Status returns the HTTP status the code answers with, or 500 for a code
// this package does not know (a programming error, never client input).
func (c Code) Status() int {
	if i, ok := infos[c]; ok {
		return i.status
	}
	return http.StatusInternalServerError
}

// Title returns the short human-readable summary of the code.
func (c Code) Title() string {
	if i, ok := infos[c]; ok {
		return i.title
	}
	return http.StatusText(http.StatusInternalServerError)
}

// Error is a refusal: a code plus a detail sentence for the client. The
// detail must never carry personal data or anything the client did not send.
type Error struct {
	Code   Code
	Detail string
	// Err is the underlying cause, for logs only; it is never sent to the client.
	Err error
}

// New returns a refusal with the given code and detail.
func New(code Code, detail string) *Error { return &Error{Code: code, Detail: detail} }

// Wrap returns a refusal with the given code and detail caused by err.
func Wrap(code Code, detail string, err error) *Error {
	return &Error{Code: code, Detail: detail, Err: err}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Detail + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Detail
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Document is the JSON body of a refusal (RFC 9457 section 3 members plus
// the "code" extension member).
type Document struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   Code   `json:"code"`
}

// DocumentOf returns the document for e. Type is "about:blank" as RFC 9457
// allows when the title and the code say everything.
func DocumentOf(e *Error) Document {
	return Document{Type: "about:blank", Title: e.Code.Title(), Status: e.Code.Status(), Detail: e.Detail, Code: e.Code}
}

// Write answers w with e as application/problem+json. It sets Retry-After on
// 503 answers and Cache-Control: no-store on every answer.
func Write(w http.ResponseWriter, e *Error) error {
	doc := DocumentOf(e)
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if doc.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	w.WriteHeader(doc.Status)
	_, err = w.Write(append(body, '\n'))
	return err
}
