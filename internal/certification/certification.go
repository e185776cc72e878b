// Package certification defines the normalised identity record that every
// verification source returns, the Source interface that yields it, and the
// errors a source reports. It is the contract between the verification
// sources (the i'mport V1 client in internal/iamport, the PortOne V2 client
// in internal/portone) on one side and the request parsing, policy and
// header packages on the other. It knows no wire format and no id grammar:
// each source validates its own ids (Source.ValidID).
package certification

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no time zone, such as a
// date of birth. The zero value means "unknown".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Record is one identity verification as a source reports it, normalised so
// that nothing downstream depends on the wire format. Optional values that
// the source left out or sent as null are empty strings, a zero Date or a
// zero time.
type Record struct {
	// Source names the verification source that produced the record:
	// SourceIamport (i'mport V1) or SourcePortOne (PortOne V2). It is what
	// metrics, logs and signed assertions call the source.
	Source string
	// ImpUID is the verification id the source was asked about (for V1 an
	// imp_uid; for V2 the identityVerificationId the merchant chose).
	ImpUID string
	// Certified is true only when the source says the verification succeeded.
	Certified bool
	// CertifiedAt is when the verification succeeded (zero when unknown).
	CertifiedAt time.Time
	// Name is the verified real name, UTF-8. Personal data: never logged.
	Name string
	// Gender is "male", "female" or "" when the source gave none.
	Gender string
	// Birthday is the date of birth (zero when the source gave none).
	Birthday Date
	// Foreigner is true when the source says the person is not a Korean national.
	Foreigner bool
	// ForeignerUnknown is true when the source did not say whether the
	// person is a foreign national (PortOne V2 leaves isForeigner out for
	// some providers and contracts). Foreigner is then false and means
	// nothing: a policy that denies foreigners refuses such a record, and
	// the foreigner header is left out.
	ForeignerUnknown bool
	// Phone is the verified phone number, digits only, or "". Personal data.
	Phone string
	// Carrier is the mobile carrier (SKT, KT, LGT, *_MVNO) or "".
	Carrier string
	// CI is the connecting information (unique_key), or "" when absent.
	// Personal data: only its keyed hash ever leaves the gateway.
	CI string
	// DI is the duplication information scoped to the merchant (unique_in_site), or "".
	DI string
}

// The names of the verification sources, as Record.Source carries them.
const (
	// SourceIamport is i'mport's V1 REST API (imp_uid, /certifications).
	SourceIamport = "iamport"
	// SourcePortOne is PortOne's V2 REST API (/identity-verifications).
	SourcePortOne = "portone"
)

// Source looks verifications up. Implementations must be safe for
// concurrent use and must honour ctx's deadline.
type Source interface {
	// Name returns the source's name as Record.Source carries it
	// (SourceIamport or SourcePortOne).
	Name() string
	// ValidID reports whether id has the shape of this source's
	// verification ids. Request parsing checks every id it finds with it,
	// and Lookup refuses an id that fails it before the id touches a URL.
	// It takes bytes so that parsing can check an id without allocating.
	ValidID(id []byte) bool
	// Lookup returns the record for id. Errors wrap ErrNotFound,
	// ErrUnavailable or ErrFailed so that callers can map them to answers;
	// an id failing ValidID is refused with an error wrapping none of them.
	Lookup(ctx context.Context, id string) (Record, error)
}

// The errors a Source wraps.
var (
	// ErrNotFound means the source has no verification with this id.
	ErrNotFound = errors.New("verification not found")
	// ErrUnavailable means the source could not be reached in time or
	// answered with a server error; trying again later may succeed.
	ErrUnavailable = errors.New("verification source unavailable")
	// ErrFailed means the source rejected our credentials or gave an answer
	// we could not understand; retrying will not help.
	ErrFailed = errors.New("verification source failed")
)
