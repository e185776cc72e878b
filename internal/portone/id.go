package portone

import (
	"errors"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// MaxIDLength is the longest identityVerificationId ValidID accepts, in
// bytes. The package documentation explains the choice.
const MaxIDLength = 128

// ErrInvalidID is returned by Lookup, before any network call, for an id
// that fails ValidID.
var ErrInvalidID = errors.New("invalid identityVerificationId")

// ValidID reports whether id is an identityVerificationId this client will
// look up: 1 to MaxIDLength bytes, each an ASCII letter, digit, '-' or '_'.
// Such an id never needs escaping in a URL path. It takes a string or a
// byte slice, so that request parsing can check an id without allocating.
func ValidID[T string | []byte](id T) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Name returns certification.SourcePortOne.
func (c *Client) Name() string { return certification.SourcePortOne }

// ValidID reports whether id passes the package-level ValidID.
func (c *Client) ValidID(id []byte) bool { return ValidID(id) }
