package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// HashCI returns the lowercase hex HMAC-SHA256 of ci under key: a stable
// pseudonym for the person that cannot be turned back into the CI or linked
// across deployments with different keys.
func HashCI(key []byte, ci string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ci))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}
