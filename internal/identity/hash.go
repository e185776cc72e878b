package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// HashCI returns the lowercase hex HMAC-SHA256 of ci under key: a stable
// pseudonym for the person that cannot be turned back into the CI or linked
// across deployments with different keys.
func HashCI(key []byte, ci string) string {
	return hashWith(hmac.New(sha256.New, key), ci)
}

// CIHasher computes HashCI under one key, reusing keyed HMAC states: a
// verification then pays for neither the key's two padded blocks nor a
// new HMAC (about half of HashCI's time and 480 of its 736 bytes). It is
// safe for concurrent use.
type CIHasher struct {
	pool sync.Pool
}

// NewCIHasher returns a CIHasher for key.
func NewCIHasher(key []byte) *CIHasher {
	key = append([]byte(nil), key...)
	h := new(CIHasher)
	h.pool.New = func() any { return hmac.New(sha256.New, key) }
	return h
}

// Hash returns HashCI(key, ci).
func (h *CIHasher) Hash(ci string) string {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	sum := hashWith(m, ci)
	h.pool.Put(m)
	return sum
}

func hashWith(m hash.Hash, ci string) string {
	m.Write([]byte(ci))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}
