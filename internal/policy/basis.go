package policy

import (
	"fmt"
	"strconv"
)

// Basis selects how an age is counted.
type Basis int

const (
	// BasisFull counts the full age (만 나이): the number of birthdays a
	// person has had by today's date in Asia/Seoul. It is the default and the
	// count used by the Civil Act since June 2023.
	BasisFull Basis = iota
	// BasisYear counts the current year in Asia/Seoul minus the birth year,
	// ignoring the day of birth, as the Juvenile Protection Act does.
	BasisYear
)

// ParseBasis returns the Basis named by s, which must be exactly "full" or
// "year".
func ParseBasis(s string) (Basis, error) {
	switch s {
	case "full":
		return BasisFull, nil
	case "year":
		return BasisYear, nil
	}
	return 0, fmt.Errorf("parsing age basis %q: want \"full\" or \"year\"", s)
}

// String returns "full" or "year", the names ParseBasis accepts, or
// "Basis(n)" for a value that names no basis.
func (b Basis) String() string {
	switch b {
	case BasisFull:
		return "full"
	case BasisYear:
		return "year"
	}
	return "Basis(" + strconv.Itoa(int(b)) + ")"
}
