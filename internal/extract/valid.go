package extract

// idPrefix starts every i'mport verification id.
const idPrefix = "imp_"

// maxIDDigits is the most digits an id may carry after its prefix, which
// keeps an id at 32 bytes or fewer.
const maxIDDigits = 28

// ValidID reports whether id has the shape of an i'mport verification id:
// the lowercase prefix "imp_" followed by 1 to 28 ASCII digits, so 32 bytes
// at most. Anything else, including Unicode digits, spaces, control
// characters and path separators, makes it invalid.
func ValidID(id string) bool { return validID(id) }

func validID[T string | []byte](id T) bool {
	n := len(id) - len(idPrefix)
	if n < 1 || n > maxIDDigits {
		return false
	}
	for i := 0; i < len(idPrefix); i++ {
		if id[i] != idPrefix[i] {
			return false
		}
	}
	for i := len(idPrefix); i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
