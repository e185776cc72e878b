// Package policy decides whether a normalised identity verification record
// may pass: it must be certified, carry a CI, be fresh, and belong to a
// person whose age and nationality the configuration accepts.
package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// DefaultMaxVerificationAge is how old a verification may be when
// Policy.MaxVerificationAge is zero.
const DefaultMaxVerificationAge = 30 * time.Minute

// MaxClockSkew is how far in the future a verification time may lie before
// Check assumes a clock is wrong and refuses.
const MaxClockSkew = 5 * time.Minute

// Policy is what a verified person must satisfy. The zero value accepts any
// certified, fresh verification with a CI and a valid date of birth.
type Policy struct {
	// MinAge is the lowest accepted age, inclusive; 0 means no minimum.
	MinAge int
	// MaxAge is the highest accepted age, inclusive; 0 means no maximum.
	MaxAge int
	// Basis is how ages are counted; the default is BasisFull.
	Basis Basis
	// DenyForeigners refuses people the source reports as foreign nationals.
	DenyForeigners bool
	// MaxVerificationAge is how long after certified_at a verification is
	// still accepted; one exactly this old passes. Zero or a negative value
	// means DefaultMaxVerificationAge (30 minutes).
	MaxVerificationAge time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Decision is what Check learned about an accepted person.
type Decision struct {
	// Age is the age counted with the policy's Basis.
	Age int
	// BirthYear is the year of birth.
	BirthYear int
}

func (p Policy) withDefaults() Policy {
	if p.MaxVerificationAge <= 0 {
		p.MaxVerificationAge = DefaultMaxVerificationAge
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

// Validate reports a configuration that can never work: a negative age
// limit, MinAge above MaxAge, or a Basis that names no basis.
func (p Policy) Validate() error {
	var errs []error
	if p.MinAge < 0 {
		errs = append(errs, fmt.Errorf("minimum age %d is negative", p.MinAge))
	}
	if p.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("maximum age %d is negative", p.MaxAge))
	}
	if p.MaxAge > 0 && p.MinAge > p.MaxAge {
		errs = append(errs, fmt.Errorf("minimum age %d is above maximum age %d", p.MinAge, p.MaxAge))
	}
	if p.Basis != BasisFull && p.Basis != BasisYear {
		errs = append(errs, fmt.Errorf("unknown age basis %v", p.Basis))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid policy: %w", err)
	}
	return nil
}

// Check decides whether rec may pass. It returns nil and a Decision when it
// may, and otherwise the first refusal in this order:
//
//  1. not certified: problem.NotCertified;
//  2. no CI: problem.CIMissing;
//  3. certified_at unknown, or older than MaxVerificationAge:
//     problem.VerificationExpired;
//  4. certified_at more than MaxClockSkew (5 minutes) in the future:
//     problem.VerificationFailed, since one of the clocks is wrong and the
//     freshness check cannot be trusted;
//  5. date of birth missing, not a real date (such as 30 February) or after
//     today: problem.VerificationFailed, since an answer that cannot be
//     judged must not pass;
//  6. a foreign national, or a record that does not say whether the person
//     is one (Record.ForeignerUnknown), while DenyForeigners is set:
//     problem.ForeignerDenied;
//  7. age below MinAge: problem.Underage;
//  8. MaxAge set and age above it: problem.Overage.
//
// Both age limits are inclusive. Details are short English sentences that
// name the rule, never the person's data.
func (p Policy) Check(rec certification.Record) (Decision, *problem.Error) {
	p = p.withDefaults()
	now := p.Now()

	if !rec.Certified {
		return Decision{}, problem.New(problem.NotCertified, "the identity verification was not completed")
	}
	if strings.TrimSpace(rec.CI) == "" {
		return Decision{}, problem.New(problem.CIMissing, "the identity verification carries no connecting information (CI)")
	}
	if rec.CertifiedAt.IsZero() {
		return Decision{}, problem.New(problem.VerificationExpired, "the verification time is unknown")
	}
	if now.Sub(rec.CertifiedAt) > p.MaxVerificationAge {
		return Decision{}, problem.New(problem.VerificationExpired, "the verification is older than "+p.MaxVerificationAge.String())
	}
	if rec.CertifiedAt.Sub(now) > MaxClockSkew {
		return Decision{}, problem.New(problem.VerificationFailed, "the verification time lies more than "+MaxClockSkew.String()+" in the future")
	}
	if !validDate(rec.Birthday) || afterToday(rec.Birthday, now) {
		return Decision{}, problem.New(problem.VerificationFailed, "the verification has no valid date of birth")
	}
	if rec.Foreigner && p.DenyForeigners {
		return Decision{}, problem.New(problem.ForeignerDenied, "foreign nationals are not accepted")
	}
	if rec.ForeignerUnknown && p.DenyForeigners {
		return Decision{}, problem.New(problem.ForeignerDenied, "foreign nationals are not accepted, and the verification does not say whether the person is one")
	}
	age := Age(rec.Birthday, now, p.Basis)
	if age < p.MinAge {
		return Decision{}, problem.New(problem.Underage, fmt.Sprintf("the minimum age is %d", p.MinAge))
	}
	if p.MaxAge > 0 && age > p.MaxAge {
		return Decision{}, problem.New(problem.Overage, fmt.Sprintf("the maximum age is %d", p.MaxAge))
	}
	return Decision{Age: age, BirthYear: rec.Birthday.Year}, nil
}
