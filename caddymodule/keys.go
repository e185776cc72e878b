package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/signing"
	"github.com/verigate/caddy-iamport/internal/warmup"
)

// keyLoadTimeout bounds one load of the keys from Caddy's storage (lock
// included).
const keyLoadTimeout = 30 * time.Second

// keySource gives a handler its assertion keys: those of its key_file
// lines, read at provisioning, or the generated keys in Caddy's storage,
// loaded in the background when a handler first serves and re-read every
// minute after that. Provisioning (and so `caddy validate`) never reads,
// generates or stores a generated key.
type keySource struct {
	static *signing.KeySet
	shared *sharedKeys     // the storage's pooled Manager, see loadSharedKeys
	config <-chan struct{} // the handler's config, see sharedKeys.hold
	ref    poolRef
	done   bool // stop ran
}

// newKeySource returns the key files' keys when files is not empty (the
// first key signs, all are published), else Caddy's storage keys with the
// rotation period rotate (0: the period stored with the keys, or 90 days).
func newKeySource(ctx caddy.Context, files []string, rotate time.Duration, logger *zap.Logger) (*keySource, error) {
	if len(files) > 0 {
		if rotate != 0 {
			return nil, errors.New("rotate applies to generated keys only, not to key_file")
		}
		set, err := loadKeyFiles(files)
		if err != nil {
			return nil, err
		}
		return &keySource{static: set}, nil
	}
	return loadSharedKeys(ctx, rotate, logger)
}

// keyManagers pools the Managers of generated keys by storage, so that
// every handler of a config using the same storage (each iamport_verify
// with an assertion, each iamport_jwks) shares one Manager, one background
// refresh and one set of parsed keys, and a config reload (which
// provisions the new handlers before it cleans up the old ones) hands that
// Manager over with its keys loaded.
var keyManagers = caddy.NewUsagePool()

// sharedKeys is a pooled Manager and the task that loads its keys and
// then refreshes them.
type sharedKeys struct {
	manager *signing.Manager
	task    *warmup.Task

	mu      sync.Mutex
	configs []configRotate // the live configs holding it, oldest first
}

// configRotate is what the handlers of one config holding a sharedKeys
// asked for.
type configRotate struct {
	config  <-chan struct{} // the config's ctx.Done(), one per loaded config
	rotate  time.Duration   // the rotate its handlers set (0: none did)
	logger  *zap.Logger     // its last handler's
	holders int
}

// Destruct stops the background refresh once the last handler let go.
func (s *sharedKeys) Destruct() error {
	s.task.Stop()
	return nil
}

// storageID identifies a storage for the pool: its String when it has one
// (certmagic.FileStorage's names its path, so every config using the same
// directory shares the Manager), else the value itself (the same within a
// config, whose handlers all get the same storage value).
func storageID(s certmagic.Storage) string {
	if str, ok := s.(fmt.Stringer); ok {
		return fmt.Sprintf("%T %s", s, str.String())
	}
	return fmt.Sprintf("%T %p", s, s)
}

// loadSharedKeys returns a keySource holding the Manager pooled for ctx's
// storage, creating it when no handler holds it yet. It refuses a rotate
// that differs from the non-zero rotate of another handler of the same
// config: they share the keys, and so their rotation.
func loadSharedKeys(ctx caddy.Context, rotate time.Duration, logger *zap.Logger) (*keySource, error) {
	if err := (signing.Schedule{Rotate: rotate}).Check(); err != nil {
		return nil, fmt.Errorf("assertion keys: %w", err)
	}
	storage := ctx.Storage()
	ref := poolRef{pool: keyManagers, key: poolKey("assertion keys", storageID(storage))}
	val, _, err := keyManagers.LoadOrNew(ref.key, func() (caddy.Destructor, error) {
		m, err := signing.NewManager(signing.ManagerConfig{
			Storage:  storage,
			Schedule: signing.Schedule{Rotate: rotate},
			Logger:   logger,
		})
		if err != nil {
			return nil, err
		}
		task := warmup.New(func(ctx context.Context) error {
			lctx, cancel := context.WithTimeout(ctx, keyLoadTimeout)
			defer cancel()
			if _, err := m.Refresh(lctx); err != nil {
				m.Logger().Error("loading assertion signing keys from storage", zap.Error(err))
				return err
			}
			go m.Run(ctx, signing.RefreshInterval)
			return nil
		}, warmup.Options{})
		return &sharedKeys{manager: m, task: task}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("assertion keys: %w", err)
	}
	shared := val.(*sharedKeys)
	config := ctx.Done()
	if err := shared.hold(config, rotate, logger); err != nil {
		_ = ref.release()
		return nil, fmt.Errorf("assertion keys: %w", err)
	}
	return &keySource{shared: shared, config: config, ref: ref}, nil
}

// hold records a handler of config with rotate (0: none). The Manager
// follows the newest live config: its rotate, and the logger of its last
// handler.
func (s *sharedKeys) hold(config <-chan struct{}, rotate time.Duration, logger *zap.Logger) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.configs, func(c configRotate) bool { return c.config == config })
	if i < 0 {
		s.configs = append(s.configs, configRotate{config: config})
		i = len(s.configs) - 1
	}
	c := &s.configs[i]
	if rotate != 0 && c.rotate != 0 && rotate != c.rotate {
		return fmt.Errorf("rotate %s differs from the rotate %s of another handler using the same storage: they share the generated keys, so give both the same rotate (or only one of them)", rotate, c.rotate)
	}
	if rotate != 0 {
		c.rotate = rotate
	}
	c.logger = logger
	c.holders++
	s.follow()
	return nil
}

// unhold undoes one hold.
func (s *sharedKeys) unhold(config <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.configs, func(c configRotate) bool { return c.config == config })
	if i < 0 {
		return
	}
	if s.configs[i].holders--; s.configs[i].holders == 0 {
		s.configs = slices.Delete(s.configs, i, i+1)
	}
	s.follow()
}

// follow hands the Manager the newest live config's rotate (checked by
// loadSharedKeys, so SetRotate cannot refuse it) and logger. s.mu is held.
func (s *sharedKeys) follow() {
	if n := len(s.configs); n > 0 {
		c := s.configs[n-1]
		_ = s.manager.SetRotate(c.rotate)
		s.manager.SetLogger(c.logger)
	}
}

// loadKeyFiles reads the PEM files in order; placeholders in the paths
// ({env.*}) are resolved first, with the checks of every other secret
// (resolveSecret): a known placeholder, set, not empty.
func loadKeyFiles(files []string) (*signing.KeySet, error) {
	repl := caddy.NewReplacer()
	var keys []*signing.Key
	for _, f := range files {
		path, err := resolveSecret(repl, "key_file", f)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("key_file: %w", err)
		}
		ks, err := signing.ParsePEM(data)
		if err != nil {
			return nil, fmt.Errorf("key_file %s: %w", path, err)
		}
		keys = append(keys, ks...)
	}
	set, err := signing.StaticSet(keys)
	if err != nil {
		return nil, fmt.Errorf("key_file: %w", err)
	}
	return set, nil
}

// start begins loading the storage keys in the background, once; handlers
// call it on every request they serve. It costs one atomic load once the
// keys are loaded.
func (k *keySource) start() {
	if k.shared != nil {
		k.shared.task.Start()
	}
}

// loaded returns the key set when it is at hand (the key files', or the
// storage keys once loaded), else nil; it never waits.
func (k *keySource) loaded() *signing.KeySet {
	if k.static != nil {
		return k.static
	}
	return k.shared.manager.Keys()
}

// keys returns the key set, waiting at most wait for the first load when
// it is still running (or starting it again when the last one failed a
// while ago), or until ctx ends. Once the keys are loaded it neither waits
// nor allocates: the bounding context is only made when there is a load to
// wait for.
func (k *keySource) keys(ctx context.Context, wait time.Duration) (*signing.KeySet, error) {
	if set := k.loaded(); set != nil {
		return set, nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := k.shared.task.Wait(ctx); err != nil {
		return nil, fmt.Errorf("loading assertion keys: %w", err)
	}
	// A load that succeeded is a Refresh that succeeded, which stored the
	// set Keys returns, so set is never nil here. The check stays so that
	// a broken invariant refuses the request instead of panicking.
	set := k.loaded()
	if set == nil {
		return nil, errors.New("assertion keys not loaded (cannot happen)")
	}
	return set, nil
}

// stop lets go of the storage's Manager; the last handler to let go ends
// its background refresh. It may be called more than once.
func (k *keySource) stop() {
	if k == nil || k.shared == nil || k.done {
		return
	}
	k.done = true
	k.shared.unhold(k.config)
	_ = k.ref.release()
}
