package sandbox

import (
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// seoulToday returns midnight, in Asia/Seoul, of the Seoul calendar date on
// which now falls.
func seoulToday(now time.Time) time.Time {
	y, m, d := now.In(certification.Seoul).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, certification.Seoul)
}

// agedYears returns a birthday rule for a person who is years old on every
// day: their last birthday lies about three months before today, so the
// age never flips on the day of a test run.
func agedYears(years int) func(today time.Time) time.Time {
	return func(today time.Time) time.Time {
		y, m, d := today.Date()
		return time.Date(y-years, m-3, d, 0, 0, 0, 0, certification.Seoul)
	}
}

// turningOn returns the birthday of a person who turns age on day (midnight
// in Seoul), that is day's month and day age years earlier.
//
// When day is 29 February and the birth year is a common year (as it is for
// age 19), nobody turns age on day, so the rule picks the nearest date that keeps the intended verdict:
// 28 February when atLeast is true (the person is already age on day) and
// 1 March otherwise (the person is still younger on day).
func turningOn(day time.Time, age int, atLeast bool) time.Time {
	y, m, d := day.Date()
	by := y - age
	if m == time.February && d == 29 && !isLeap(by) {
		if atLeast {
			return time.Date(by, time.February, 28, 0, 0, 0, 0, certification.Seoul)
		}
		return time.Date(by, time.March, 1, 0, 0, 0, 0, certification.Seoul)
	}
	return time.Date(by, m, d, 0, 0, 0, 0, certification.Seoul)
}

// isLeap reports whether year has a 29 February.
func isLeap(year int) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}
