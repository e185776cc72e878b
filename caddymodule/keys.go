package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/signing"
	"github.com/verigate/caddy-iamport/internal/warmup"
)

// keyLoadTimeout bounds one load of the keys from Caddy's storage (lock
// included).
const keyLoadTimeout = 30 * time.Second

// keySource gives a handler its assertion keys: those of its key_file
// lines, read at provisioning, or the generated keys in Caddy's storage,
// loaded in the background when the handler first serves and re-read every
// minute after that. Provisioning (and so `caddy validate`) never reads,
// generates or stores a generated key.
type keySource struct {
	static  *signing.KeySet
	manager *signing.Manager
	task    *warmup.Task
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
	m, err := signing.NewManager(signing.ManagerConfig{
		Storage:  ctx.Storage(),
		Schedule: signing.Schedule{Rotate: rotate},
		Logger:   logger,
	})
	if err != nil {
		return nil, fmt.Errorf("assertion keys: %w", err)
	}
	ks := &keySource{manager: m}
	ks.task = warmup.New(func(ctx context.Context) error {
		lctx, cancel := context.WithTimeout(ctx, keyLoadTimeout)
		defer cancel()
		if _, err := m.Refresh(lctx); err != nil {
			logger.Error("loading assertion signing keys from storage", zap.Error(err))
			return err
		}
		go m.Run(ctx, signing.RefreshInterval)
		return nil
	}, warmup.Options{})
	return ks, nil
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
	if k.task != nil {
		k.task.Start()
	}
}

// loaded returns the key set when it is at hand (the key files', or the
// storage keys once loaded), else nil; it never waits.
func (k *keySource) loaded() *signing.KeySet {
	if k.static != nil {
		return k.static
	}
	return k.manager.Keys()
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
	if err := k.task.Wait(ctx); err != nil {
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

// stop ends the background refresh.
func (k *keySource) stop() {
	if k != nil && k.task != nil {
		k.task.Stop()
	}
}
