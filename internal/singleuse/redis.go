package singleuse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultKeyPrefix starts every key a Redis store writes.
const DefaultKeyPrefix = "caddy-iamport:used:"

// DefaultRedisTimeout bounds each Redis command when RedisOptions.Timeout
// is zero.
const DefaultRedisTimeout = 2 * time.Second

// RedisOptions tunes a Redis store. The zero value uses the defaults.
type RedisOptions struct {
	// KeyPrefix is put before Key(id); the default is DefaultKeyPrefix
	// ("caddy-iamport:used:").
	KeyPrefix string
	// Timeout bounds each command, including dialling and waiting for a
	// pooled connection; the default is DefaultRedisTimeout (2 seconds).
	Timeout time.Duration
}

// Redis is a Store kept in Redis, shared by every gateway that points at
// the same server and key prefix. A reservation is one
// SET <prefix><Key(id)> 1 PX <ttl> NX command and a release is one DEL, so
// Redis itself guarantees that only one caller wins.
//
// Commands are never retried: a SET NX whose reply was lost could otherwise
// be sent again and wrongly report the id as already used. Any failure is
// returned as an error, which callers answer with 503. Broken connections
// are detected when taken from the pool and replaced by the client, so the
// store recovers by itself once Redis is back.
type Redis struct {
	client  *redis.Client
	prefix  string
	timeout time.Duration
}

// NewRedis returns a store for the server named by rawURL, which takes the
// forms redis://[user:password@]host:port/db and, for TLS,
// rediss://[user:password@]host:port/db. It makes no network call: a server
// that is down shows up as errors from Reserve. Timeouts given in the URL's
// query are replaced by opts.Timeout, and retries are turned off. The
// returned error never repeats the URL, which may hold a password.
func NewRedis(rawURL string, opts RedisOptions) (*Redis, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing redis url: %w", withoutURL(err))
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	ro.DialTimeout = opts.Timeout
	ro.ReadTimeout = opts.Timeout
	ro.WriteTimeout = opts.Timeout
	ro.PoolTimeout = opts.Timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1   // never resend SET NX (see the type's documentation)
	ro.DialerRetries = 1 // a refused dial fails the command at once
	ro.ConnMaxIdleTime = 5 * time.Minute
	return &Redis{client: redis.NewClient(ro), prefix: opts.KeyPrefix, timeout: opts.Timeout}, nil
}

// withoutURL strips the *url.Error wrapper whose message quotes the URL.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (r *Redis) key(id string) string { return r.prefix + Key(id) }

// Reserve marks id as used for ttl (rounded up to whole milliseconds) and
// reports whether this call did so. It never returns true with an error.
func (r *Redis) Reserve(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if err := checkArgs(id, ttl); err != nil {
		return false, fmt.Errorf("reserving in redis: %w", err)
	}
	ms := (ttl + time.Millisecond - 1) / time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	err := r.client.Do(ctx, "SET", r.key(id), "1", "PX", strconv.FormatInt(int64(ms), 10), "NX").Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("reserving in redis: %w", err)
	}
}

// Release forgets id's reservation, if any.
func (r *Redis) Release(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.client.Del(ctx, r.key(id)).Err(); err != nil {
		return fmt.Errorf("releasing in redis: %w", err)
	}
	return nil
}

// Ping checks that the server answers within the timeout, for health
// checks and start-up diagnostics.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("pinging redis: %w", err)
	}
	return nil
}

// Close closes the connections. Later calls fail.
func (r *Redis) Close() error {
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("closing redis client: %w", err)
	}
	return nil
}
