package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/iamport"
	"github.com/verigate/caddy-iamport/internal/lookuplimit"
	"github.com/verigate/caddy-iamport/internal/singleuse"
)

// Long-lived objects are kept in usage pools keyed by their configuration,
// so that a config reload (which provisions the new handler before it
// cleans up the old one) hands the same i'mport client, with its cached
// token, and the same single-use store to the new handler. The last
// handler to let go closes them.
var (
	clients = caddy.NewUsagePool()
	stores  = caddy.NewUsagePool()
)

type poolRef struct {
	pool *caddy.UsagePool
	key  string
}

func (r poolRef) release() error {
	_, err := r.pool.Delete(r.key)
	return err
}

// poolKey hashes the parts of a configuration that identify a shared
// object, so that secrets are never kept as map keys in clear.
func poolKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

type pooledClient struct {
	*iamport.Client
	limiter *lookuplimit.Limiter
}

// Destruct closes the client's idle connections when the last handler
// using it is cleaned up.
func (c pooledClient) Destruct() error {
	c.Close()
	return nil
}

// loadClient returns the shared client for these credentials and this
// lookup concurrency: handlers that share a client share its limit of
// lookups in flight, and handlers with different limits get different
// clients. The first handler to create it sets the time budget of the
// shared getToken call (its own timeout); every handler hands the client
// its config's logger.
func loadClient(base, key, secret string, timeout time.Duration, concurrency int, logger *zap.Logger) (*iamport.Client, poolRef, error) {
	pc, ref, err := loadLimited(concurrency, func(limiter *lookuplimit.Limiter) (pooledClient, error) {
		c, err := iamport.New(iamport.Config{
			BaseURL:      base,
			Key:          key,
			Secret:       secret,
			Observer:     apiObserver{},
			TokenTimeout: timeout,
			Gate:         limiter,
		})
		if err != nil {
			return pooledClient{}, err
		}
		return pooledClient{Client: c, limiter: limiter}, nil
	}, "client", base, key, secret)
	if err != nil {
		return nil, poolRef{}, fmt.Errorf("setting up i'mport client: %w", err)
	}
	// The client's lines and its limiter's refusal lines under one name.
	named := logger.Named("iamport")
	pc.SetLogger(named)
	pc.limiter.SetLogger(named)
	return pc.Client, ref, nil
}

// loadLimited returns the object shared under these key parts and this
// lookup concurrency, creating it with build and a new limiter of
// concurrency lookups in flight when no handler holds it yet. The API
// clients are pooled this way: handlers that share a client share its
// limit, and handlers with different limits get different clients.
func loadLimited[T caddy.Destructor](concurrency int, build func(*lookuplimit.Limiter) (T, error), keyParts ...string) (T, poolRef, error) {
	ref := poolRef{pool: clients, key: poolKey(append(keyParts, strconv.Itoa(concurrency))...)}
	val, _, err := clients.LoadOrNew(ref.key, func() (caddy.Destructor, error) {
		limiter, err := newLimiter(concurrency)
		if err != nil {
			return nil, err
		}
		return build(limiter)
	})
	if err != nil {
		var zero T
		return zero, poolRef{}, err
	}
	return val.(T), ref, nil
}

type pooledStore struct{ singleuse.Store }

func (s pooledStore) Destruct() error { return s.Close() }

// loadStore returns the single-use store for mode (as parseSingleUse
// returns it), or nil when single use is off. Memory stores are shared by
// every handler using the same account of the same source (account names
// it), so an id used on one site cannot pass again on another site of the
// same Caddy. Every handler with the same Redis URL shares one client (the
// pool holds it and closes it with its last handler), and each source's
// store on it writes under its own key prefix.
//
// Keys are namespaced by source, so a V1 id and a V2 id never collide:
// each source's memory store is its own, and in Redis i'mport's keys are
// caddy-iamport:used:<hash> (as before PortOne V2 existed) and PortOne's
// caddy-iamport:used:portone:<hash>.
func loadStore(mode string, repl *caddy.Replacer, rawURL, sourceName string, account ...string) (singleuse.Store, poolRef, error) {
	var ref poolRef
	var construct caddy.Constructor
	switch mode {
	case singleUseOff:
		if rawURL != "" {
			return nil, ref, fmt.Errorf("single_use off does not take a redis_url")
		}
		return nil, ref, nil
	case singleUseOn:
		if rawURL != "" {
			return nil, ref, fmt.Errorf("redis_url is only used with single_use redis")
		}
		ref = poolRef{pool: stores, key: poolKey(append([]string{"memory", sourceName}, account...)...)}
		construct = func() (caddy.Destructor, error) {
			return pooledStore{singleuse.NewMemory()}, nil
		}
	case singleUseRedis:
		u, err := resolveSecret(repl, "redis_url", rawURL)
		if err != nil {
			return nil, ref, err
		}
		parsed, err := singleuse.ParseRedisURL(u)
		if err != nil {
			return nil, ref, fmt.Errorf("single_use redis: %w", err)
		}
		ref = poolRef{pool: stores, key: poolKey("redis", u)}
		construct = func() (caddy.Destructor, error) {
			routeRedisLogs()
			return pooledStore{singleuse.NewRedisFromURL(parsed, singleuse.RedisOptions{})}, nil
		}
	default:
		return nil, ref, fmt.Errorf("single_use: unknown mode %q (want on, off or redis)", mode)
	}
	val, _, err := stores.LoadOrNew(ref.key, construct)
	if err != nil {
		return nil, poolRef{}, fmt.Errorf("setting up single-use store: %w", err)
	}
	store := val.(pooledStore).Store
	if r, ok := store.(*singleuse.Redis); ok {
		store = r.WithKeyPrefix(redisKeyPrefix(sourceName))
	}
	return store, ref, nil
}

// redisKeyPrefix is the Redis key prefix of a source's used ids.
func redisKeyPrefix(sourceName string) string {
	if sourceName == certification.SourceIamport {
		return singleuse.DefaultKeyPrefix
	}
	return singleuse.DefaultKeyPrefix + sourceName + ":"
}

var redisLogsOnce sync.Once

// routeRedisLogs sends go-redis's connection trouble, which it writes to
// stderr through a process-wide logger, to Caddy's logs at debug level
// instead (the refusals it causes are logged by the handler already). It
// runs when the first Redis store is built, not at import, so a program
// that links this module without using Redis keeps go-redis's logger.
func routeRedisLogs() {
	redisLogsOnce.Do(func() { redis.SetLogger(redisLogger{}) })
}

type redisLogger struct{}

func (redisLogger) Printf(_ context.Context, format string, v ...any) {
	if c := caddy.Log().Named("iamport.redis").Check(zapcore.DebugLevel, "redis client"); c != nil {
		c.Write(zap.String("detail", fmt.Sprintf(format, v...)))
	}
}
