package signing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// The rotation schedule's defaults. See the package documentation for the
// timeline they give.
const (
	// DefaultRotate is how long a generated key signs: 90 days.
	DefaultRotate = 90 * 24 * time.Hour
	// CacheLifetime is how long a verifier may cache the key set: the
	// JWKS handler's Cache-Control max-age (5 minutes).
	CacheLifetime = 5 * time.Minute
	// DefaultPrepublish is how long a new key is published before it
	// signs: 1 hour (at least 2 × CacheLifetime).
	DefaultPrepublish = time.Hour
	// DefaultRetain is how long a retired key stays published after its
	// last signature: 1 hour (at least MaxLifetime + CacheLifetime).
	DefaultRetain = time.Hour
)

// Schedule is the rotation policy of generated keys.
type Schedule struct {
	// Rotate is how long a key signs before its successor takes over;
	// 0 means the value stored with the keys, or DefaultRotate.
	Rotate time.Duration
	// Prepublish is how long a successor is published before it signs;
	// 0 means DefaultPrepublish.
	Prepublish time.Duration
	// Retain is how long a retired key stays published; 0 means
	// DefaultRetain.
	Retain time.Duration
}

func (s Schedule) withDefaults() Schedule {
	if s.Prepublish == 0 {
		s.Prepublish = DefaultPrepublish
	}
	if s.Retain == 0 {
		s.Retain = DefaultRetain
	}
	return s
}

// Check enforces the timeline's guarantees: Prepublish at least twice
// CacheLifetime, Retain at least MaxLifetime + CacheLifetime, and Rotate
// (when set) at least twice Prepublish.
func (s Schedule) Check() error {
	s = s.withDefaults()
	switch {
	case s.Prepublish < 2*CacheLifetime:
		return fmt.Errorf("prepublish %s is below twice the key set cache lifetime (%s)", s.Prepublish, 2*CacheLifetime)
	case s.Retain < MaxLifetime+CacheLifetime:
		return fmt.Errorf("retain %s is below the longest assertion lifetime plus the cache lifetime (%s)", s.Retain, MaxLifetime+CacheLifetime)
	case s.Rotate < 0 || (s.Rotate > 0 && s.Rotate < 2*s.Prepublish):
		return fmt.Errorf("rotate %s is below twice the pre-publication time (%s)", s.Rotate, 2*s.Prepublish)
	}
	return nil
}

// stateVersion is the version of the stored state this code writes.
const stateVersion = 1

// state is what the storage holds: the rotation period in force and the
// keys, each with its private key and the instant it starts signing. A
// key signs until the next key's start and is published until Retain
// after that.
type state struct {
	Version int           `json:"version"`
	Rotate  string        `json:"rotate"` // a Go duration
	Keys    []storedKey   `json:"keys"`
	rotate  time.Duration // parsed Rotate
}

type storedKey struct {
	ID          string    `json:"kid"`
	PublishedAt time.Time `json:"published_at"`
	SignsFrom   time.Time `json:"signs_from"`
	PrivateKey  string    `json:"private_key"` // PKCS #8 PEM
}

// check validates a state read from storage.
func (st *state) check() error {
	if st.Version != stateVersion {
		return fmt.Errorf("unknown key state version %d", st.Version)
	}
	if st.Rotate != "" {
		d, err := time.ParseDuration(st.Rotate)
		if err != nil || d <= 0 {
			return fmt.Errorf("invalid rotate %q in key state", st.Rotate)
		}
		st.rotate = d
	}
	for i, k := range st.Keys {
		if k.ID == "" || k.PrivateKey == "" || k.SignsFrom.IsZero() {
			return fmt.Errorf("key %d of the key state is incomplete", i)
		}
		if i > 0 && !k.SignsFrom.After(st.Keys[i-1].SignsFrom) {
			return errors.New("the key state is not in signing order")
		}
	}
	return nil
}

// work says what advance would do at now.
type work struct {
	setRotate bool // the configured rotation period differs from the stored one
	create    bool // a first key, or a successor, is due
	drop      int  // how many retired keys at the front are past Retain
}

func (w work) any() bool { return w.setRotate || w.create || w.drop > 0 }

// plan computes the work due at now under sched (with defaults applied).
func (st *state) plan(now time.Time, sched Schedule) work {
	var w work
	w.setRotate = sched.Rotate != 0 && sched.Rotate != st.rotate
	rotate := st.rotate
	if sched.Rotate != 0 {
		rotate = sched.Rotate
	}
	if rotate == 0 {
		rotate = DefaultRotate
	}
	n := len(st.Keys)
	if n == 0 {
		w.create = true
		return w
	}
	last := st.Keys[n-1]
	if !now.Before(last.SignsFrom) && !now.Before(last.SignsFrom.Add(rotate-sched.Prepublish)) {
		w.create = true
	}
	for i := 0; i+1 < n && !now.Before(st.Keys[i+1].SignsFrom.Add(sched.Retain)); i++ {
		w.drop = i + 1
	}
	return w
}

// advance applies the work due at now, generating keys with gen. It
// reports whether the state changed.
func (st *state) advance(now time.Time, sched Schedule, gen func() (*Key, error)) (bool, error) {
	w := st.plan(now, sched)
	if !w.any() {
		return false, nil
	}
	if w.setRotate {
		st.rotate = sched.Rotate
		st.Rotate = sched.Rotate.String()
	}
	rotate := st.rotate
	if rotate == 0 {
		rotate = DefaultRotate
		st.rotate, st.Rotate = rotate, rotate.String()
	}
	if w.drop > 0 {
		st.Keys = slices.Delete(st.Keys, 0, w.drop)
	}
	if w.create {
		key, err := gen()
		if err != nil {
			return false, err
		}
		pemBytes, err := key.MarshalPEM()
		if err != nil {
			return false, err
		}
		signsFrom := now // the first key signs at once
		if n := len(st.Keys); n > 0 {
			// A successor signs at the scheduled rotation, but never
			// before it has been published for Prepublish.
			signsFrom = st.Keys[n-1].SignsFrom.Add(rotate)
			if earliest := now.Add(sched.Prepublish); signsFrom.Before(earliest) {
				signsFrom = earliest
			}
		}
		st.Keys = append(st.Keys, storedKey{
			ID: key.ID, PublishedAt: now.UTC(), SignsFrom: signsFrom.UTC(), PrivateKey: string(pemBytes),
		})
	}
	return true, nil
}
