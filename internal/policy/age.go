package policy

import (
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// Age returns the age of a person born on birth at the instant now, counted
// on the calendar date that now falls on in Asia/Seoul.
//
// With BasisFull the age grows on each birthday; a person born on 29
// February grows a year older on 1 March in common years and on 29 February
// in leap years. With BasisYear the age is Seoul's current year minus the
// birth year. A Basis that names no basis counts as BasisFull. The result is
// negative when birth lies after today's date; Age does not check that birth
// is a valid date (see Check).
func Age(birth certification.Date, now time.Time, b Basis) int {
	y, m, d := now.In(certification.Seoul).Date()
	age := y - birth.Year
	if b == BasisYear {
		return age
	}
	if m < birth.Month || (m == birth.Month && d < birth.Day) {
		age--
	}
	return age
}

// validDate reports whether d names a real day of the Gregorian calendar,
// so that 30 February or month 13 are rejected.
func validDate(d certification.Date) bool {
	if d.Year < 1 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return t.Day() == d.Day && t.Month() == d.Month
}

// afterToday reports whether d lies after the calendar date of now in
// Asia/Seoul.
func afterToday(d certification.Date, now time.Time) bool {
	y, m, day := now.In(certification.Seoul).Date()
	if d.Year != y {
		return d.Year > y
	}
	if d.Month != m {
		return d.Month > m
	}
	return d.Day > day
}
