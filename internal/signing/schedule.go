package signing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// The rotation timeline. See the package documentation for what it gives.
const (
	// DefaultRotate is how long a generated key signs: 90 days.
	DefaultRotate = 90 * 24 * time.Hour
	// CacheLifetime is how long a verifier may cache the key set: the
	// JWKS handler's Cache-Control max-age (5 minutes).
	CacheLifetime = 5 * time.Minute
	// Prepublish is how long a new key is published before it signs:
	// 1 hour (at least 2 × CacheLifetime).
	Prepublish = time.Hour
	// Retain is how long a retired key stays published after its last
	// signature: 1 hour (at least MaxLifetime + CacheLifetime).
	Retain = time.Hour
	// MinRotate is the shortest rotation period: twice Prepublish, 2 hours.
	MinRotate = 2 * Prepublish
)

// Schedule is the rotation policy of generated keys.
type Schedule struct {
	// Rotate is how long a key signs before its successor takes over;
	// 0 means the value stored with the keys, or DefaultRotate.
	Rotate time.Duration
}

// Check refuses a negative Rotate and one below MinRotate.
func (s Schedule) Check() error {
	return checkRotate(s.Rotate, false)
}

// checkRotate applies the bound of Schedule.Check to d; stored refuses 0
// too (a stored period is never "unset").
func checkRotate(d time.Duration, stored bool) error {
	if d < 0 || (stored && d == 0) || (d != 0 && d < MinRotate) {
		return fmt.Errorf("rotate %s is below twice the pre-publication time (%s)", d, MinRotate)
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
	Version int         `json:"version"`
	Rotate  string      `json:"rotate"` // a Go duration; "" until the first change
	Keys    []storedKey `json:"keys"`
}

// storedKey is one key of the state. (Earlier releases also wrote a
// "published_at" that nothing read; reading ignores it.)
type storedKey struct {
	ID         string    `json:"kid"`
	SignsFrom  time.Time `json:"signs_from"`
	PrivateKey string    `json:"private_key"` // PKCS #8 PEM
}

// check validates a state read from storage.
func (st *state) check() error {
	if st.Version != stateVersion {
		return fmt.Errorf("unknown key state version %d", st.Version)
	}
	if st.Rotate != "" {
		d, err := time.ParseDuration(st.Rotate)
		if err != nil {
			return fmt.Errorf("invalid rotate %q in key state", st.Rotate)
		}
		if err := checkRotate(d, true); err != nil {
			return fmt.Errorf("invalid rotate %q in key state: %w", st.Rotate, err)
		}
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

// storedRotate is the rotation period stored with the keys, 0 when none
// (check refused an invalid one).
func (st *state) storedRotate() time.Duration {
	d, _ := time.ParseDuration(st.Rotate)
	return d
}

// period is the rotation period in force under sched: its Rotate, else
// the stored one, else DefaultRotate.
func (st *state) period(sched Schedule) time.Duration {
	if sched.Rotate != 0 {
		return sched.Rotate
	}
	if d := st.storedRotate(); d != 0 {
		return d
	}
	return DefaultRotate
}

// work says what advance would do at now.
type work struct {
	period    time.Duration // the rotation period in force
	setRotate bool          // the stored rotation period is not period
	create    bool          // a first key, or a successor, is due
	drop      int           // how many retired keys at the front are past Retain
}

func (w work) any() bool { return w.setRotate || w.create || w.drop > 0 }

// plan computes the work due at now under sched.
func (st *state) plan(now time.Time, sched Schedule) work {
	w := work{period: st.period(sched)}
	w.setRotate = sched.Rotate != 0 && sched.Rotate != st.storedRotate()
	n := len(st.Keys)
	if n == 0 {
		w.create = true
		return w
	}
	last := st.Keys[n-1]
	if !now.Before(last.SignsFrom) && !now.Before(last.SignsFrom.Add(w.period-Prepublish)) {
		w.create = true
	}
	for i := 0; i+1 < n && !now.Before(st.Keys[i+1].SignsFrom.Add(Retain)); i++ {
		w.drop = i + 1
	}
	return w
}

// advance applies the work due at now, generating keys with gen. It
// reports whether the state changed. Any change also stores the period in
// force, so that instances without a rotate of their own follow it.
func (st *state) advance(now time.Time, sched Schedule, gen func() (*Key, error)) (bool, error) {
	w := st.plan(now, sched)
	if !w.any() {
		return false, nil
	}
	st.Rotate = w.period.String()
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
			signsFrom = st.Keys[n-1].SignsFrom.Add(w.period)
			if earliest := now.Add(Prepublish); signsFrom.Before(earliest) {
				signsFrom = earliest
			}
		}
		st.Keys = append(st.Keys, storedKey{ID: key.ID, SignsFrom: signsFrom.UTC(), PrivateKey: string(pemBytes)})
	}
	return true, nil
}
