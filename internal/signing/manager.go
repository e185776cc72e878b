package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// Storage key and lock name of the generated keys in Caddy's storage.
const (
	StorageKey = "caddy-iamport/assertion/keys.json"
	lockName   = "caddy-iamport-assertion-keys"
)

// RefreshInterval is how often Run re-reads the key state.
const RefreshInterval = time.Minute

// Manager keeps generated keys in a certmagic.Storage (Caddy's storage)
// under StorageKey. Every Manager on the same storage, in this process or
// another, reads the same keys and the same schedule; changes are made
// under the storage's lock. A Manager does nothing until Refresh or Run is
// called, so building one (as Caddy's provisioning does) touches no
// storage.
type Manager struct {
	storage certmagic.Storage
	now     func() time.Time
	gen     func() (*Key, error)

	rotate  atomic.Int64 // Schedule.Rotate, see SetRotate
	logger  atomic.Pointer[zap.Logger]
	current atomic.Pointer[KeySet]
}

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	// Storage holds the keys. Required.
	Storage certmagic.Storage
	// Schedule is the rotation policy; see Schedule.
	Schedule Schedule
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives key creation, rotation and refresh failures; nil
	// means none.
	Logger *zap.Logger
}

// NewManager returns a Manager. It only checks the configuration.
func NewManager(cfg ManagerConfig) (*Manager, error) {
	if cfg.Storage == nil {
		return nil, errors.New("no storage")
	}
	if err := cfg.Schedule.Check(); err != nil {
		return nil, err
	}
	m := &Manager{storage: cfg.Storage, now: cfg.Now, gen: GenerateKey}
	if m.now == nil {
		m.now = time.Now
	}
	m.rotate.Store(int64(cfg.Schedule.Rotate))
	m.SetLogger(cfg.Logger)
	return m, nil
}

// SetRotate replaces the schedule's Rotate (checked as Schedule.Check
// does) from the next Refresh on. A Manager shared across config reloads
// is handed the newest config's rotation period this way.
func (m *Manager) SetRotate(d time.Duration) error {
	if err := (Schedule{Rotate: d}).Check(); err != nil {
		return err
	}
	m.rotate.Store(int64(d))
	return nil
}

// SetLogger replaces the logger (nil: none); see SetRotate.
func (m *Manager) SetLogger(l *zap.Logger) {
	if l == nil {
		l = zap.NewNop()
	}
	m.logger.Store(l)
}

// Logger returns the logger the Manager writes to.
func (m *Manager) Logger() *zap.Logger { return m.logger.Load() }

func (m *Manager) schedule() Schedule {
	return Schedule{Rotate: time.Duration(m.rotate.Load())}
}

// Keys returns the key set of the last successful Refresh, or nil before
// the first one.
func (m *Manager) Keys() *KeySet { return m.current.Load() }

// Refresh reads the key state from storage and, when a first key, a
// successor or the removal of a retired key is due, takes the storage's
// lock, reads the state again and makes the change; so several instances
// refreshing at once make it once. It returns the resulting key set, which
// Keys returns from then on.
func (m *Manager) Refresh(ctx context.Context) (*KeySet, error) {
	now := m.now()
	st, err := m.load(ctx)
	if err != nil {
		return nil, err
	}
	if st.plan(now, m.schedule()).any() {
		if st, err = m.update(ctx); err != nil {
			return nil, err
		}
	}
	set, err := m.build(st)
	if err != nil {
		return nil, err
	}
	m.current.Store(set)
	return set, nil
}

// Run refreshes the keys every interval until ctx is done, logging
// failures (the last good key set stays in use meanwhile).
func (m *Manager) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := m.Refresh(ctx); err != nil && ctx.Err() == nil {
				m.Logger().Error("refreshing assertion signing keys", zap.Error(err))
			}
		}
	}
}

// load reads the state; a missing state is an empty one.
func (m *Manager) load(ctx context.Context) (*state, error) {
	data, err := m.storage.Load(ctx, StorageKey)
	if errors.Is(err, fs.ErrNotExist) {
		return &state{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading assertion keys from storage: %w", err)
	}
	st := new(state)
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading assertion keys from storage (%s): %w", StorageKey, err)
	}
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("reading assertion keys from storage (%s): %w", StorageKey, err)
	}
	return st, nil
}

// update makes the due changes under the storage's lock.
func (m *Manager) update(ctx context.Context) (st *state, err error) {
	if err := m.storage.Lock(ctx, lockName); err != nil {
		return nil, fmt.Errorf("locking assertion keys in storage: %w", err)
	}
	defer func() {
		// Not ctx: the lock must be released even when ctx is done.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if uerr := m.storage.Unlock(uctx, lockName); uerr != nil && err == nil {
			err = fmt.Errorf("unlocking assertion keys in storage: %w", uerr)
		}
	}()
	st, err = m.load(ctx)
	if err != nil {
		return nil, err
	}
	now := m.now()
	before := st.IDsAndRotate()
	changed, err := st.advance(now, m.schedule(), m.gen)
	if err != nil || !changed {
		return st, err
	}
	data, err := json.MarshalIndent(st, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding assertion keys: %w", err)
	}
	if err := m.storage.Store(ctx, StorageKey, data); err != nil {
		return nil, fmt.Errorf("storing assertion keys: %w", err)
	}
	after := st.IDsAndRotate()
	m.Logger().Info("assertion signing keys updated in storage",
		zap.Strings("before", before), zap.Strings("after", after))
	return st, nil
}

// IDsAndRotate describes the state for logs: the key ids, each with the
// instant it starts signing, and the rotation period.
func (st *state) IDsAndRotate() []string {
	out := make([]string, 0, len(st.Keys)+1)
	for _, k := range st.Keys {
		out = append(out, k.ID+" from "+k.SignsFrom.UTC().Format(time.RFC3339))
	}
	if st.Rotate != "" {
		out = append(out, "rotate "+st.Rotate)
	}
	return out
}

// build turns a state into a key set. A key already in the current set
// is taken from it, so each private key is parsed once per Manager.
func (m *Manager) build(st *state) (*KeySet, error) {
	if len(st.Keys) == 0 {
		return nil, errors.New("the key state holds no key")
	}
	prev := m.current.Load()
	set := &KeySet{entries: make([]entry, len(st.Keys))}
	for i, sk := range st.Keys {
		key := prev.lookup(sk.ID)
		if key == nil {
			keys, err := ParsePEM([]byte(sk.PrivateKey))
			if err != nil {
				return nil, fmt.Errorf("key %s in storage: %w", sk.ID, err)
			}
			if len(keys) != 1 || keys[0].ID != sk.ID {
				return nil, fmt.Errorf("key %s in storage does not match its id", sk.ID)
			}
			key = keys[0]
		}
		e := entry{key: key, signsFrom: sk.SignsFrom}
		if i+1 < len(st.Keys) {
			e.unpublishAt = st.Keys[i+1].SignsFrom.Add(Retain)
		}
		set.entries[i] = e
	}
	return set, nil
}
