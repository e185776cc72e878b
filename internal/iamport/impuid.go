package iamport

import "github.com/verigate/caddy-iamport/internal/certification"

// impUIDPrefix starts every i'mport (PortOne V1) verification id.
const impUIDPrefix = "imp_"

// maxImpUIDDigits is the most digits an id may carry after its prefix,
// which keeps it within the 32 characters i'mport allows for imp_uid.
const maxImpUIDDigits = 28

// ValidImpUID is the V1 id grammar. It reports whether id has the shape of an i'mport imp_uid: the
// lower-case prefix "imp_" followed by 1 to 28 ASCII digits, 32 bytes at
// most, and nothing else. Unicode digits, spaces, control characters,
// percent signs and path separators make it invalid, so a valid id never
// needs escaping in a URL path. It takes a string or a byte slice, so that
// request parsing can check an id without allocating. It lives with the
// V1 client because it is i'mport's grammar: certification stays neutral,
// and the PortOne V2 client has its own (portone.ValidID).
func ValidImpUID[T string | []byte](id T) bool {
	n := len(id) - len(impUIDPrefix)
	if n < 1 || n > maxImpUIDDigits {
		return false
	}
	for i := 0; i < len(impUIDPrefix); i++ {
		if id[i] != impUIDPrefix[i] {
			return false
		}
	}
	for i := len(impUIDPrefix); i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// Name returns certification.SourceIamport.
func (c *Client) Name() string { return certification.SourceIamport }

// ValidID reports whether id is a valid imp_uid (ValidImpUID).
func (c *Client) ValidID(id []byte) bool { return ValidImpUID(id) }
