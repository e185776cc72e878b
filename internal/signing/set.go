package signing

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// KeySet is an immutable set of keys: which one signs at a given time and
// which ones are published. It is safe for concurrent use.
type KeySet struct {
	entries []entry // sorted by signsFrom (static sets: in file order)
	static  bool

	jwks atomic.Pointer[jwksMemo] // the last JWKS body, see JWKS
}

// jwksMemo is a JWKS body and the span of instants [from, until) for which
// the published keys, and so the body, stay the same (zero until: no end).
type jwksMemo struct {
	body        []byte
	from, until time.Time
}

type entry struct {
	key       *Key
	signsFrom time.Time // zero for static sets
	// unpublishAt is Retain after the next key starts signing (zero: the
	// newest key, or a static set: never unpublished).
	unpublishAt time.Time
}

// StaticSet returns a set in which keys[0] always signs and every key is
// always published (keys loaded from PEM files). It refuses an empty list
// and two keys with the same id.
func StaticSet(keys []*Key) (*KeySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	s := &KeySet{static: true}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.ID] {
			return nil, fmt.Errorf("key %s is given twice", k.ID)
		}
		seen[k.ID] = true
		s.entries = append(s.entries, entry{key: k})
	}
	return s, nil
}

// Signing returns the key that signs at now: in a static set the first key;
// otherwise the key with the latest start not after now (the earliest key
// when now is before every start, as on an instance whose clock lags the
// one that created the first key).
func (s *KeySet) Signing(now time.Time) *Key {
	if s.static {
		return s.entries[0].key
	}
	cur := s.entries[0].key
	for _, e := range s.entries[1:] {
		if e.signsFrom.After(now) {
			break
		}
		cur = e.key
	}
	return cur
}

// Published returns the keys published at now: every key of a static set;
// otherwise every key except those whose Retain period after retirement
// has passed.
func (s *KeySet) Published(now time.Time) []*Key {
	out := make([]*Key, 0, len(s.entries))
	for _, e := range s.entries {
		if !e.unpublishAt.IsZero() && !now.Before(e.unpublishAt) {
			continue
		}
		out = append(out, e.key)
	}
	return out
}

// JWKS returns the JSON Web Key Set of the keys published at now,
// {"keys":[…]}, each with "kid", "alg" and "use":"sig". It is never empty.
// The body is encoded once and reused until the published keys change (a
// retired key's Retain period ends), so callers must not modify it.
func (s *KeySet) JWKS(now time.Time) ([]byte, error) {
	if m := s.jwks.Load(); m != nil && !now.Before(m.from) && (m.until.IsZero() || now.Before(m.until)) {
		return m.body, nil
	}
	body, err := s.encodeJWKS(now)
	if err != nil {
		return nil, err
	}
	m := &jwksMemo{body: body}
	for _, e := range s.entries {
		switch u := e.unpublishAt; {
		case u.IsZero():
		case !now.Before(u):
			if u.After(m.from) {
				m.from = u
			}
		case m.until.IsZero() || u.Before(m.until):
			m.until = u
		}
	}
	s.jwks.Store(m)
	return body, nil
}

func (s *KeySet) encodeJWKS(now time.Time) ([]byte, error) {
	keys := s.Published(now)
	if len(keys) == 0 { // cannot happen: the newest key is never unpublished
		return nil, errors.New("no published key")
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(keys))}
	for i, k := range keys {
		set.Keys[i] = k.Public()
	}
	return json.Marshal(set)
}

// lookup returns the key with this id, or nil (also on a nil set).
func (s *KeySet) lookup(id string) *Key {
	if s == nil {
		return nil
	}
	for _, e := range s.entries {
		if e.key.ID == id {
			return e.key
		}
	}
	return nil
}

// IDs returns the ids of all keys in the set, in order.
func (s *KeySet) IDs() []string {
	out := make([]string, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.key.ID
	}
	return out
}
