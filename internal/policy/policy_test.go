package policy

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// clockNow is the fixed instant every Check test runs at: 2026-03-01 12:00 in Seoul.
var clockNow = utc("2026-03-01T03:00:00Z")

func fixedClock() time.Time { return clockNow }

// goodRecord is a record that passes the zero Policy: a Korean national
// who turned 19 today, verified a minute ago.
func goodRecord() certification.Record {
	return certification.Record{
		ImpUID:      "imp_123456789012",
		Certified:   true,
		CertifiedAt: clockNow.Add(-time.Minute),
		Name:        "홍길동",
		Birthday:    date(2007, 3, 1),
		CI:          "ci-value",
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		policy     Policy
		edit       func(*certification.Record)
		wantCode   problem.Code
		wantStatus int
		wantDetail string
		wantAge    int
	}{
		{name: "zero policy accepts a good record", wantAge: 19},
		{name: "not certified is refused", edit: func(r *certification.Record) { r.Certified = false },
			wantCode: problem.NotCertified, wantStatus: http.StatusForbidden},
		{name: "not certified wins over every other failure", policy: Policy{MinAge: 99, DenyForeigners: true},
			edit: func(r *certification.Record) {
				*r = certification.Record{Foreigner: true}
			}, wantCode: problem.NotCertified, wantStatus: http.StatusForbidden},
		{name: "missing ci is refused", edit: func(r *certification.Record) { r.CI = "" },
			wantCode: problem.CIMissing, wantStatus: http.StatusForbidden},
		{name: "blank ci is refused", edit: func(r *certification.Record) { r.CI = "  " },
			wantCode: problem.CIMissing, wantStatus: http.StatusForbidden},
		{name: "missing ci wins over expiry", edit: func(r *certification.Record) { r.CI = ""; r.CertifiedAt = time.Time{} },
			wantCode: problem.CIMissing, wantStatus: http.StatusForbidden},
		{name: "unknown certified_at counts as expired", edit: func(r *certification.Record) { r.CertifiedAt = time.Time{} },
			wantCode: problem.VerificationExpired, wantStatus: http.StatusForbidden, wantDetail: "the verification time is unknown"},
		{name: "exactly the default max verification age passes", edit: func(r *certification.Record) { r.CertifiedAt = clockNow.Add(-30 * time.Minute) },
			wantAge: 19},
		{name: "one nanosecond older than the default is expired", edit: func(r *certification.Record) { r.CertifiedAt = clockNow.Add(-30*time.Minute - 1) },
			wantCode: problem.VerificationExpired, wantStatus: http.StatusForbidden, wantDetail: "the verification is older than 30m0s"},
		{name: "configured max verification age is honoured", policy: Policy{MaxVerificationAge: 5 * time.Minute},
			edit:     func(r *certification.Record) { r.CertifiedAt = clockNow.Add(-6 * time.Minute) },
			wantCode: problem.VerificationExpired, wantStatus: http.StatusForbidden, wantDetail: "the verification is older than 5m0s"},
		{name: "longer configured max verification age accepts older records", policy: Policy{MaxVerificationAge: time.Hour},
			edit: func(r *certification.Record) { r.CertifiedAt = clockNow.Add(-59 * time.Minute) }, wantAge: 19},
		{name: "certified_at exactly the clock skew ahead passes", edit: func(r *certification.Record) { r.CertifiedAt = clockNow.Add(5 * time.Minute) },
			wantAge: 19},
		{name: "certified_at beyond the clock skew ahead fails closed", edit: func(r *certification.Record) { r.CertifiedAt = clockNow.Add(5*time.Minute + time.Second) },
			wantCode: problem.VerificationFailed, wantStatus: http.StatusBadGateway, wantDetail: "the verification time lies more than 5m0s in the future"},
		{name: "unknown birthday fails closed", edit: func(r *certification.Record) { r.Birthday = certification.Date{} },
			wantCode: problem.VerificationFailed, wantStatus: http.StatusBadGateway},
		{name: "impossible birthday fails closed", edit: func(r *certification.Record) { r.Birthday = date(2000, 2, 30) },
			wantCode: problem.VerificationFailed, wantStatus: http.StatusBadGateway},
		{name: "birthday after today fails closed", edit: func(r *certification.Record) { r.Birthday = date(2026, 3, 2) },
			wantCode: problem.VerificationFailed, wantStatus: http.StatusBadGateway},
		{name: "birthday today passes with age zero", edit: func(r *certification.Record) { r.Birthday = date(2026, 3, 1) }, wantAge: 0},
		{name: "foreigner passes by default", edit: func(r *certification.Record) { r.Foreigner = true }, wantAge: 19},
		{name: "foreigner is refused when denied", policy: Policy{DenyForeigners: true},
			edit:     func(r *certification.Record) { r.Foreigner = true },
			wantCode: problem.ForeignerDenied, wantStatus: http.StatusForbidden},
		{name: "korean national passes when foreigners are denied", policy: Policy{DenyForeigners: true}, wantAge: 19},
		{name: "unknown nationality passes by default", edit: func(r *certification.Record) { r.ForeignerUnknown = true }, wantAge: 19},
		{name: "unknown nationality is refused when foreigners are denied", policy: Policy{DenyForeigners: true},
			edit:     func(r *certification.Record) { r.ForeignerUnknown = true },
			wantCode: problem.ForeignerDenied, wantStatus: http.StatusForbidden},
		{name: "foreigner denial wins over underage", policy: Policy{DenyForeigners: true, MinAge: 20},
			edit:     func(r *certification.Record) { r.Foreigner = true },
			wantCode: problem.ForeignerDenied, wantStatus: http.StatusForbidden},
		{name: "age equal to the minimum passes", policy: Policy{MinAge: 19}, wantAge: 19},
		{name: "age one below the minimum is underage", policy: Policy{MinAge: 19},
			edit:     func(r *certification.Record) { r.Birthday = date(2007, 3, 2) },
			wantCode: problem.Underage, wantStatus: http.StatusForbidden, wantDetail: "the minimum age is 19"},
		{name: "year basis lets the same person pass the minimum", policy: Policy{MinAge: 19, Basis: BasisYear},
			edit: func(r *certification.Record) { r.Birthday = date(2007, 12, 31) }, wantAge: 19},
		{name: "full basis refuses the same person", policy: Policy{MinAge: 19, Basis: BasisFull},
			edit:     func(r *certification.Record) { r.Birthday = date(2007, 12, 31) },
			wantCode: problem.Underage, wantStatus: http.StatusForbidden},
		{name: "age equal to the maximum passes", policy: Policy{MaxAge: 19}, wantAge: 19},
		{name: "age one above the maximum is overage", policy: Policy{MaxAge: 18},
			wantCode: problem.Overage, wantStatus: http.StatusForbidden, wantDetail: "the maximum age is 18"},
		{name: "zero maximum means no maximum", policy: Policy{MaxAge: 0},
			edit: func(r *certification.Record) { r.Birthday = date(1920, 1, 1) }, wantAge: 106},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := goodRecord()
			if tt.edit != nil {
				tt.edit(&rec)
			}
			p := tt.policy
			p.Now = fixedClock
			got, perr := p.Check(rec)
			if tt.wantCode == "" {
				if perr != nil {
					t.Fatalf("Check refused with %v, want a pass", perr)
				}
				want := Decision{Age: tt.wantAge, BirthYear: rec.Birthday.Year}
				if got != want {
					t.Errorf("Check = %+v, want %+v", got, want)
				}
				return
			}
			if perr == nil {
				t.Fatalf("Check passed with %+v, want %s", got, tt.wantCode)
			}
			if perr.Code != tt.wantCode {
				t.Errorf("code = %s, want %s (detail %q)", perr.Code, tt.wantCode, perr.Detail)
			}
			if s := perr.Code.Status(); s != tt.wantStatus {
				t.Errorf("status = %d, want %d", s, tt.wantStatus)
			}
			if tt.wantDetail != "" && perr.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", perr.Detail, tt.wantDetail)
			}
			if got != (Decision{}) {
				t.Errorf("decision = %+v on refusal, want the zero Decision", got)
			}
			assertNoPersonalData(t, perr, rec)
		})
	}
}

func assertNoPersonalData(t *testing.T, perr *problem.Error, rec certification.Record) {
	t.Helper()
	secrets := []string{rec.Name, rec.CI, rec.ImpUID, rec.Birthday.String(), "2007", "1920"}
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" && strings.Contains(perr.Detail, s) {
			t.Errorf("detail %q carries personal data %q", perr.Detail, s)
		}
	}
}

func TestCheckDefaultsNowToTimeNow(t *testing.T) {
	rec := goodRecord()
	rec.CertifiedAt = time.Now()
	rec.Birthday = date(1990, 1, 1)
	if _, perr := (Policy{}).Check(rec); perr != nil {
		t.Fatalf("Check with nil Now refused a record certified just now: %v", perr)
	}
	rec.CertifiedAt = time.Now().Add(-31 * time.Minute)
	if _, perr := (Policy{}).Check(rec); perr == nil || perr.Code != problem.VerificationExpired {
		t.Fatalf("Check with nil Now = %v, want %s", perr, problem.VerificationExpired)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Policy
		wantErr string
	}{
		{"zero policy is valid", Policy{}, ""},
		{"equal limits are valid", Policy{MinAge: 19, MaxAge: 19}, ""},
		{"minimum without maximum is valid", Policy{MinAge: 19}, ""},
		{"minimum above maximum is invalid", Policy{MinAge: 20, MaxAge: 19}, "minimum age 20 is above maximum age 19"},
		{"negative minimum is invalid", Policy{MinAge: -1}, "minimum age -1 is negative"},
		{"negative maximum is invalid", Policy{MaxAge: -1}, "maximum age -1 is negative"},
		{"unknown basis is invalid", Policy{Basis: 5}, "unknown age basis Basis(5)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
