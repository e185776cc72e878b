package singleuse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
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
// the same deployment and key prefix. A reservation is one
// SET <prefix><Key(id)> 1 PX <ttl> NX command and a release is one DEL, so
// Redis itself guarantees that only one caller wins. The deployment is one
// server, a master found through Redis Sentinel, or a Redis Cluster (see
// ParseRedisURL); a cluster spreads the keys over its masters by slot.
//
// Commands are never retried: a SET NX whose reply was lost could otherwise
// be sent again and wrongly report the id as already used. (A cluster's
// MOVED and ASK redirections are still followed: the node that answers
// them has not run the command.) Any failure is returned as an error,
// which callers answer with 503. Broken connections are detected when
// taken from the pool and replaced by the client, and after a Sentinel
// failover the client asks the sentinels for the new master, so the store
// recovers by itself.
//
// Redis replicates asynchronously: a reservation the master confirmed but
// had not yet sent to a replica is lost if that replica is promoted, and
// the id can then pass once more. With wait_replicas=N in the URL, a
// reservation is followed by WAIT N on the same connection and only
// counts once N replicas have it; otherwise it is undone (best effort)
// and reported as an error.
type Redis struct {
	client       redis.UniversalClient
	prefix       string
	timeout      time.Duration
	waitReplicas int
}

// NewRedis returns a store for the deployment named by rawURL, in one of
// the forms ParseRedisURL reads. It makes no network call: a server that
// is down shows up as errors from Reserve. Timeouts given in the URL's
// query are replaced by opts.Timeout, and retries are turned off. The
// returned error never repeats the URL, which may hold a password.
func NewRedis(rawURL string, opts RedisOptions) (*Redis, error) {
	u, err := ParseRedisURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing redis url: %w", err)
	}
	return NewRedisFromURL(u, opts), nil
}

// NewRedisFromURL is NewRedis for a URL ParseRedisURL has already read.
func NewRedisFromURL(u *RedisURL, opts RedisOptions) *Redis {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	t := opts.Timeout
	const idle = 5 * time.Minute
	var client redis.UniversalClient
	// The three clients are what redis.NewUniversalClient would pick; it is
	// not used because go-redis has no URL parser for its options.
	switch u.Form {
	case RedisSentinel:
		o := *u.sentinel
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = t, t, t, t
		o.ContextTimeoutEnabled = true
		o.MaxRetries = -1   // never resend SET NX (see the type's documentation)
		o.DialerRetries = 1 // a refused dial fails the command at once
		o.ConnMaxIdleTime = idle
		client = redis.NewFailoverClient(&o)
	case RedisCluster:
		o := *u.cluster
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = t, t, t, t
		o.ContextTimeoutEnabled = true
		o.MaxRetries = -1
		o.DialerRetries = 1
		o.ConnMaxIdleTime = idle
		client = redis.NewClusterClient(&o)
	default:
		o := *u.single
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = t, t, t, t
		o.ContextTimeoutEnabled = true
		o.MaxRetries = -1
		o.DialerRetries = 1
		o.ConnMaxIdleTime = idle
		client = redis.NewClient(&o)
	}
	return &Redis{client: client, prefix: opts.KeyPrefix, timeout: t, waitReplicas: u.WaitReplicas}
}

// WithKeyPrefix returns a store on r's client whose keys start with prefix
// (DefaultKeyPrefix when empty) instead of r's, so that stores of several
// prefixes on one deployment share one client and its connections.
// Closing either store closes that client for both: close it once, after
// the last of them is done.
func (r *Redis) WithKeyPrefix(prefix string) *Redis {
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	other := *r
	other.prefix = prefix
	return &other
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
	ms := strconv.FormatInt(int64((ttl+time.Millisecond-1)/time.Millisecond), 10)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	key := r.key(id)
	if r.waitReplicas > 0 {
		return r.reserveAndWait(ctx, key, ms)
	}
	cmd := noRetry{redis.NewCmd(ctx, "SET", key, "1", "PX", ms, "NX")}
	err := r.client.Process(ctx, cmd)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("reserving in redis: %w", err)
	}
}

// reserveAndWait sends SET NX and WAIT in one pipeline on one connection
// to the key's master (WAIT counts the replicas that have every write of
// its own connection). WAIT gives up after half the store's timeout; an
// undoing DEL may take another half.
func (r *Redis) reserveAndWait(ctx context.Context, key, ms string) (bool, error) {
	// NewRedisFromURL makes a *redis.Client (one server, or the Sentinel
	// form's failover client) or a *redis.ClusterClient.
	node, ok := r.client.(*redis.Client)
	if !ok {
		n, err := r.client.(*redis.ClusterClient).MasterForKey(ctx, key)
		if err != nil {
			return false, fmt.Errorf("reserving in redis: finding the key's master: %w", err)
		}
		node = n
	}
	waitMS := max(int64(r.timeout/2/time.Millisecond), 1)
	pipe := node.Pipeline()
	// A pipeline holding a noRetry command is never sent again, whatever
	// the client's MaxRetries.
	set := noRetry{redis.NewCmd(ctx, "SET", key, "1", "PX", ms, "NX")}
	_ = pipe.Process(ctx, set)
	wait := pipe.Do(ctx, "WAIT", r.waitReplicas, waitMS)
	_, _ = pipe.Exec(ctx) // each command's error is looked at below
	if err := set.Err(); err != nil {
		if errors.Is(err, redis.Nil) {
			return false, nil
		}
		if c, ok := r.client.(*redis.ClusterClient); ok && isRedirect(err) {
			// The slot moved: learn the new layout for the next call.
			c.ReloadState(ctx)
		}
		return false, fmt.Errorf("reserving in redis: %w", err)
	}
	acked, err := wait.Int64()
	if err == nil && acked >= int64(r.waitReplicas) {
		return true, nil
	}
	// The key may exist on the master only. Undo it so that the id is not
	// refused as used once the master has replicas again; if the DEL fails
	// too, the id stays refused, which is the safe side. The DEL has its
	// own budget: WAIT may have used most of ctx's.
	delCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout/2)
	defer cancel()
	_ = node.Del(delCtx, key).Err()
	if err != nil {
		return false, fmt.Errorf("reserving in redis: waiting for replicas: %w", err)
	}
	return false, fmt.Errorf("reserving in redis: %d of %d replicas acknowledged within %dms", acked, r.waitReplicas, waitMS)
}

// isRedirect reports a cluster's MOVED or ASK answer.
func isRedirect(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "MOVED ") || strings.HasPrefix(msg, "ASK ")
}

// noRetry marks a command that go-redis must not send twice. A client's
// MaxRetries does not cover a cluster client, which retries a command on
// another node after a network error unless the command says no, and a
// pipeline is not sent again when it holds such a command.
type noRetry struct{ *redis.Cmd }

func (noRetry) NoRetry() bool { return true }

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
