package iamport

import (
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"
)

// Defaults of the negative cache of "not found" answers.
const (
	// DefaultNotFoundTTL is how long an id i'mport answered 404 for is
	// answered "not found" again without a call: long enough to absorb a
	// client retrying in a loop, short enough that an id whose record
	// reached i'mport a moment late passes on the person's next try.
	DefaultNotFoundTTL = 5 * time.Second
	// DefaultNotFoundEntries bounds the ids remembered at once (about
	// 1 MB). At the default TTL it holds every not-found answer of a flood
	// of up to 2,000 distinct ids a second, more than i'mport answers
	// under the default lookup_concurrency unless it is faster than 32 ms.
	DefaultNotFoundEntries = 10000
)

// errRemembered is the detail of a "not found" answered from the cache.
var errRemembered = errors.New("answered 404 moments ago (remembered, no call made)")

// NotFoundObserver may be implemented by an Observer to be told of each
// lookup answered "not found" from the negative cache, without a call.
type NotFoundObserver interface {
	ObserveNotFoundHit()
}

// notFoundCache remembers, for ttl on the client's clock, the ids i'mport
// answered 404 for. Keys are the first 16 bytes of SHA-256 of the id, so
// no id is held in clear. It holds at most max entries: when full, expired
// entries are purged (at most once per ttl); if it is still full the new
// id is not remembered, which only costs a call, never a wrong answer.
type notFoundCache struct {
	ttl time.Duration
	max int
	now func() time.Time
	c   *cache.Cache

	mu        sync.Mutex // serialises remember, so the bound holds
	nextPurge time.Time
}

func newNotFoundCache(ttl time.Duration, max int, now func() time.Time) *notFoundCache {
	// No janitor goroutine: expiry is judged on now (injectable), and
	// expired entries are purged when the cache is full.
	return &notFoundCache{ttl: ttl, max: max, now: now, c: cache.New(cache.NoExpiration, 0)}
}

func notFoundKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return string(sum[:16])
}

// has reports whether id was answered 404 less than ttl ago.
func (n *notFoundCache) has(id string) bool {
	v, ok := n.c.Get(notFoundKey(id))
	return ok && n.now().Before(v.(time.Time))
}

// remember notes that i'mport answered 404 for id.
func (n *notFoundCache) remember(id string) {
	now := n.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.c.ItemCount() >= n.max {
		if now.Before(n.nextPurge) {
			return
		}
		n.nextPurge = now.Add(n.ttl)
		for k, it := range n.c.Items() {
			if !now.Before(it.Object.(time.Time)) {
				n.c.Delete(k)
			}
		}
		if n.c.ItemCount() >= n.max {
			return
		}
	}
	n.c.Set(notFoundKey(id), now.Add(n.ttl), cache.NoExpiration)
}

// entries returns the number of entries held, expired or not.
func (n *notFoundCache) entries() int { return n.c.ItemCount() }
