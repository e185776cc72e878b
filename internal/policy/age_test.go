package policy

import (
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

func date(y int, m time.Month, d int) certification.Date {
	return certification.Date{Year: y, Month: m, Day: d}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAge(t *testing.T) {
	tests := []struct {
		name  string
		birth certification.Date
		now   string
		basis Basis
		want  int
	}{
		{"day before birthday is still the younger age", date(2007, 5, 10), "2026-05-09T12:00:00+09:00", BasisFull, 18},
		{"birthday itself adds the year", date(2007, 5, 10), "2026-05-10T00:00:00+09:00", BasisFull, 19},
		{"day after birthday keeps the new age", date(2007, 5, 10), "2026-05-11T12:00:00+09:00", BasisFull, 19},
		{"earlier month same year not reached", date(2007, 12, 1), "2026-11-30T23:59:59+09:00", BasisFull, 18},

		{"seoul midnight reached while utc is still the day before", date(2007, 3, 1), "2026-02-28T15:00:00Z", BasisFull, 19},
		{"one second before seoul midnight is still the day before", date(2007, 3, 1), "2026-02-28T14:59:59Z", BasisFull, 18},
		{"last second of the birthday in seoul", date(2007, 3, 1), "2026-03-01T14:59:59Z", BasisFull, 19},
		{"utc offsets of now do not matter", date(2007, 3, 1), "2026-02-28T10:00:00-05:00", BasisFull, 19},

		{"feb 29 birth on feb 28 of a common year is not yet older", date(2008, 2, 29), "2027-02-28T23:59:59+09:00", BasisFull, 18},
		{"feb 29 birth grows older on mar 1 of a common year", date(2008, 2, 29), "2027-03-01T00:00:00+09:00", BasisFull, 19},
		{"feb 29 birth on feb 28 of a leap year is not yet older", date(2008, 2, 29), "2028-02-28T12:00:00+09:00", BasisFull, 19},
		{"feb 29 birth grows older on feb 29 of a leap year", date(2008, 2, 29), "2028-02-29T00:00:00+09:00", BasisFull, 20},
		{"feb 29 birth seoul mar 1 while utc is feb 28", date(2008, 2, 29), "2027-02-28T15:00:00Z", BasisFull, 19},

		{"year basis ignores the birthday", date(2007, 12, 31), "2026-01-01T00:00:00+09:00", BasisYear, 19},
		{"full basis on the same person and day", date(2007, 12, 31), "2026-01-01T00:00:00+09:00", BasisFull, 18},
		{"year basis turns over at seoul new year, not utc", date(2007, 6, 1), "2025-12-31T15:00:00Z", BasisYear, 19},
		{"year basis one second before seoul new year", date(2007, 6, 1), "2025-12-31T14:59:59Z", BasisYear, 18},
		{"unknown basis counts full age", date(2007, 12, 31), "2026-01-01T00:00:00+09:00", Basis(9), 18},
		{"birth after today is negative", date(2026, 6, 1), "2026-01-01T00:00:00+09:00", BasisFull, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Age(tt.birth, utc(tt.now), tt.basis); got != tt.want {
				t.Errorf("Age(%v, %s, %v) = %d, want %d", tt.birth, tt.now, tt.basis, got, tt.want)
			}
		})
	}
}

func TestValidDate(t *testing.T) {
	tests := []struct {
		name string
		d    certification.Date
		want bool
	}{
		{"ordinary date", date(1990, 2, 7), true},
		{"feb 29 in a leap year", date(2000, 2, 29), true},
		{"feb 29 in a common year", date(1900, 2, 29), false},
		{"feb 30", date(2000, 2, 30), false},
		{"apr 31", date(2000, 4, 31), false},
		{"month 13", date(2000, 13, 1), false},
		{"month 0", date(2000, 0, 1), false},
		{"day 0", date(2000, 1, 0), false},
		{"year 0", date(0, 1, 1), false},
		{"zero date", certification.Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validDate(tt.d); got != tt.want {
				t.Errorf("validDate(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestParseBasis(t *testing.T) {
	tests := []struct {
		in      string
		want    Basis
		wantErr bool
	}{
		{"full", BasisFull, false},
		{"year", BasisYear, false},
		{"", 0, true},
		{"Full", 0, true},
		{"korean", 0, true},
	}
	for _, tt := range tests {
		t.Run("parse "+tt.in, func(t *testing.T) {
			got, err := ParseBasis(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseBasis(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseBasis(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want the parsed name %q", got.String(), tt.in)
			}
		})
	}
	if got := Basis(7).String(); got != "Basis(7)" {
		t.Errorf("Basis(7).String() = %q, want Basis(7)", got)
	}
}
