package policy

import (
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// TestChecksRunInTheREADMEsOrder proves the order the README's "Refusals"
// section gives (certified, CI present, freshness, birth date present,
// foreigners, minimum age, maximum age): a record failing every check is
// mended one fault at a time, and each step must answer the next code.
func TestChecksRunInTheREADMEsOrder(t *testing.T) {
	p := Policy{MinAge: 20, MaxAge: 30, DenyForeigners: true, Now: fixedClock}
	rec := certification.Record{
		ImpUID:      "imp_123456789012",
		CertifiedAt: clockNow.Add(-time.Hour),
		Foreigner:   true,
	}
	steps := []struct {
		then string
		mend func(*certification.Record)
		want problem.Code
	}{
		{"every check failing", func(*certification.Record) {}, problem.NotCertified},
		{"certified", func(r *certification.Record) { r.Certified = true }, problem.CIMissing},
		{"with a CI", func(r *certification.Record) { r.CI = "ci-value" }, problem.VerificationExpired},
		{"fresh", func(r *certification.Record) { r.CertifiedAt = clockNow.Add(-time.Minute) }, problem.VerificationFailed},
		{"with a birth date (age 19)", func(r *certification.Record) { r.Birthday = date(2007, 3, 1) }, problem.ForeignerDenied},
		{"a national", func(r *certification.Record) { r.Foreigner = false }, problem.Underage},
		{"aged 36", func(r *certification.Record) { r.Birthday = date(1990, 1, 1) }, problem.Overage},
		{"aged 26", func(r *certification.Record) { r.Birthday = date(2000, 1, 1) }, ""},
	}
	for _, s := range steps {
		s.mend(&rec)
		_, perr := p.Check(rec)
		switch {
		case s.want == "" && perr != nil:
			t.Fatalf("%s: refused with %s, want a pass", s.then, perr.Code)
		case s.want != "" && perr == nil:
			t.Fatalf("%s: passed, want %s", s.then, s.want)
		case s.want != "" && perr.Code != s.want:
			t.Fatalf("%s: code %s, want %s", s.then, perr.Code, s.want)
		}
	}
}
