package sandbox

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// MintedPrefix starts every imp_uid the sandbox's browser window mints: this
// prefix and 11 more digits (imp_300000000000 to imp_399999999999), so that
// minted ids never collide with the fixed test identities (imp_1…) or the
// generated adults (imp_2…).
const MintedPrefix = "imp_3"

// maxMinted bounds the verifications the sandbox remembers. When a new one
// would exceed it, the oldest is forgotten (its id then answers 404, as an
// unknown id does). A person signing up by hand never comes near it.
const maxMinted = 100_000

// minted is one verification a person completed in the sandbox's browser
// window: which test identity they picked, when, and for which order.
type minted struct {
	label       string    // the fixture's Label
	at          time.Time // when the window's form was submitted
	merchantUID string    // the merchant_uid the page passed, echoed by the REST answer
}

// mintRegistry holds the verifications completed in the browser window, by
// id. It is safe for concurrent use. The zero value is ready to use.
type mintRegistry struct {
	mu    sync.Mutex
	byID  map[string]minted
	order []string // ids in the order they were added, for eviction
}

// add records m under a fresh id made of prefix and digits random digits,
// and returns the id.
func (g *mintRegistry) add(prefix string, digits int, m minted) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byID == nil {
		g.byID = make(map[string]minted)
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	for range 10 {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("drawing an id: %w", err)
		}
		id := fmt.Sprintf("%s%0*d", prefix, digits, n)
		if _, taken := g.byID[id]; !taken {
			g.putLocked(id, m)
			return id, nil
		}
	}
	return "", fmt.Errorf("no free id under %s after 10 draws", prefix)
}

// put records m under id, which the caller chose (PortOne V2: the page
// chooses the identityVerificationId). When id is already recorded, m
// replaces the record only if replaceable says the old one may go (an
// unfinished verification may be tried again); otherwise put records
// nothing and reports false.
func (g *mintRegistry) put(id string, m minted, replaceable func(old minted) bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byID == nil {
		g.byID = make(map[string]minted)
	}
	if old, taken := g.byID[id]; taken {
		if !replaceable(old) {
			return false
		}
		g.byID[id] = m
		return true
	}
	g.putLocked(id, m)
	return true
}

func (g *mintRegistry) putLocked(id string, m minted) {
	if len(g.order) >= maxMinted {
		delete(g.byID, g.order[0])
		g.order = g.order[1:]
	}
	g.byID[id] = m
	g.order = append(g.order, id)
}

// get returns the verification recorded under id.
func (g *mintRegistry) get(id string) (minted, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.byID[id]
	return m, ok
}

// len returns how many verifications are recorded.
func (g *mintRegistry) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.byID)
}

// certifiedAt returns when the verification of fixture f, completed in the
// window at m.at, counts as certified: at that moment, except for an
// identity whose point is an old verification (stale), which keeps its
// distance, so that picking it shows the freshness refusal.
func (m minted) certifiedAt(f fixture) time.Time {
	if f.certifiedAgo > minuteAgo {
		return m.at.Add(-f.certifiedAgo)
	}
	return m.at
}
