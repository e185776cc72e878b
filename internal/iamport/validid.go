package iamport

import "errors"

// ErrInvalidID is returned by Lookup, before any network call, for an
// imp_uid that fails ValidID.
var ErrInvalidID = errors.New("invalid imp_uid")

// maxIDLen is the longest imp_uid accepted: "imp_" and 28 digits, the
// 32-character limit i'mport gives for imp_uid.
const maxIDLen = 32

// ValidID reports whether id has the shape of an i'mport imp_uid: the
// lower-case prefix "imp_" followed by 1 to 28 ASCII digits, nothing else.
// Full-width digits, separators, spaces and control characters are refused,
// so a valid id never needs escaping in a URL path.
func ValidID(id string) bool {
	const prefix = "imp_"
	if len(id) <= len(prefix) || len(id) > maxIDLen || id[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
