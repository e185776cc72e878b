package portone

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// The statuses of an IdentityVerification (V2-spec IdentityVerification,
// discriminated by status).
const (
	statusVerified = "VERIFIED"
	statusReady    = "READY"
	statusFailed   = "FAILED"
)

// wireVerification is the part of an IdentityVerification the gateway
// reads. Pointers tell absent and null members apart from empty ones;
// members not listed (channel, requestedCustomer, pgRawResponse, ...) are
// ignored.
type wireVerification struct {
	Status           *string       `json:"status"`
	ID               *string       `json:"id"`
	VerifiedAt       *string       `json:"verifiedAt"`
	VerifiedCustomer *wireCustomer `json:"verifiedCustomer"`
}

// wireCustomer is IdentityVerificationVerifiedCustomer.
type wireCustomer struct {
	Name        *string `json:"name"`
	Operator    *string `json:"operator"`
	PhoneNumber *string `json:"phoneNumber"`
	BirthDate   *string `json:"birthDate"`
	Gender      *string `json:"gender"`
	IsForeigner *bool   `json:"isForeigner"`
	CI          *string `json:"ci"`
	DI          *string `json:"di"`
}

var (
	errOtherID          = errors.New("answer is about another identityVerificationId")
	errNoID             = errors.New("answer has no id")
	errNoStatus         = errors.New("answer has no status")
	errNoCustomer       = errors.New("verified answer has no verifiedCustomer")
	errNoVerifiedAt     = errors.New("verified answer has no verifiedAt")
	errBadVerifiedAt    = errors.New("verifiedAt is not an RFC 3339 time")
	errBadBirthDate     = errors.New("birthDate is not a yyyy-MM-dd date")
	errUnexpectedStatus = errors.New("answer has an unknown status")
)

// decodeRecord turns an IdentityVerification answer into a Record for the
// id that was asked about, by the rules in the package documentation.
// Members with the wrong JSON type make the answer invalid.
func decodeRecord(body []byte, id string) (certification.Record, error) {
	var w wireVerification
	if !decodeVerificationFast(body, &w) {
		if err := json.Unmarshal(body, &w); err != nil {
			return certification.Record{}, fmt.Errorf("decoding identity verification: %w", err)
		}
	}
	switch {
	case w.ID == nil:
		return certification.Record{}, errNoID
	case *w.ID != id:
		return certification.Record{}, errOtherID
	case w.Status == nil:
		return certification.Record{}, errNoStatus
	}
	rec := certification.Record{Source: certification.SourcePortOne, ImpUID: id}
	switch *w.Status {
	case statusVerified:
	case statusReady, statusFailed:
		return rec, nil // not certified: the policy refuses it
	default:
		return certification.Record{}, errUnexpectedStatus
	}
	if w.VerifiedCustomer == nil {
		return certification.Record{}, errNoCustomer
	}
	if w.VerifiedAt == nil {
		return certification.Record{}, errNoVerifiedAt
	}
	at, err := time.Parse(time.RFC3339Nano, *w.VerifiedAt)
	if err != nil {
		return certification.Record{}, errBadVerifiedAt
	}
	vc := w.VerifiedCustomer
	birthday, err := birthDate(vc.BirthDate)
	if err != nil {
		return certification.Record{}, err
	}
	rec.Certified = true
	rec.CertifiedAt = at.UTC()
	rec.Name = deref(vc.Name)
	rec.Gender = gender(deref(vc.Gender))
	rec.Birthday = birthday
	rec.Phone = deref(vc.PhoneNumber)
	rec.Carrier = carrier(deref(vc.Operator))
	rec.CI = deref(vc.CI)
	rec.DI = deref(vc.DI)
	if vc.IsForeigner == nil {
		rec.ForeignerUnknown = true
	} else {
		rec.Foreigner = *vc.IsForeigner
	}
	return rec, nil
}

// birthDate reads a yyyy-MM-dd date; absent gives the zero Date.
func birthDate(s *string) (certification.Date, error) {
	if s == nil {
		return certification.Date{}, nil
	}
	if len(*s) != len(time.DateOnly) {
		return certification.Date{}, errBadBirthDate
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return certification.Date{}, errBadBirthDate
	}
	return certification.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// gender maps V2's Gender to V1's words. OTHER has none in V1 and is left
// out, as is a value PortOne may add later.
func gender(g string) string {
	switch g {
	case "MALE":
		return "male"
	case "FEMALE":
		return "female"
	}
	return ""
}

// carrier maps V2's IdentityVerificationOperator to V1's carrier names:
// LG U+ is "LGU" in V2 and "LGT" in V1. A value PortOne may add later is
// left out.
func carrier(op string) string {
	switch op {
	case "SKT", "KT", "SKT_MVNO", "KT_MVNO":
		return op
	case "LGU":
		return "LGT"
	case "LGU_MVNO":
		return "LGT_MVNO"
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
