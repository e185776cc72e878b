package singleuse

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/verigate/caddy-iamport/internal/redistest"
)

// newTestRedis returns a store on srv, closed when the test ends.
func newTestRedis(t testing.TB, srv *redistest.Server, opts RedisOptions) *Redis {
	t.Helper()
	r, err := NewRedis(srv.URL(), opts)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// inspector returns a plain client for looking at what a store wrote.
func inspector(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestNewRedisParsesURLsWithoutDialling(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"plain url", "redis://127.0.0.1:1/0", false},
		{"tls url", "rediss://cache.example:6380/2", false},
		{"url with credentials", "redis://user:secret@127.0.0.1:1/0", false},
		{"password only", "redis://:secret@127.0.0.1:1", false},
		{"unknown scheme", "http://user:secret@127.0.0.1:1", true},
		{"bad port", "redis://user:secret@127.0.0.1:port/0", true},
		{"bad database", "redis://user:secret@127.0.0.1:1/db", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRedis(tt.url, RedisOptions{})
			if tt.wantErr {
				if err == nil {
					_ = r.Close()
					t.Fatal("NewRedis succeeded, want an error")
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q repeats the password", err)
				}
				if !strings.HasPrefix(err.Error(), "parsing redis url: ") {
					t.Errorf("error %q lacks context", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewRedis: %v (nothing listens on port 1, so a dial would fail)", err)
			}
			_ = r.Close()
		})
	}
}

func TestNewRedisDefaults(t *testing.T) {
	r, err := NewRedis("redis://127.0.0.1:1", RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.prefix != DefaultKeyPrefix || r.timeout != DefaultRedisTimeout {
		t.Fatalf("prefix %q, timeout %v; want %q, %v", r.prefix, r.timeout, DefaultKeyPrefix, DefaultRedisTimeout)
	}
	o := r.client.(*redis.Client).Options()
	if o.DialTimeout != DefaultRedisTimeout || o.ReadTimeout != DefaultRedisTimeout || o.WriteTimeout != DefaultRedisTimeout {
		t.Fatalf("dial/read/write timeouts %v/%v/%v, want %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout, DefaultRedisTimeout)
	}
	if o.MaxRetries != 0 {
		t.Fatalf("MaxRetries = %d, want 0 so SET NX is never resent", o.MaxRetries)
	}
}

func TestRedisConcurrentReserveAcrossInstancesHasExactlyOneWinner(t *testing.T) {
	srv := redistest.Start(t)
	a := newTestRedis(t, srv, RedisOptions{})
	b := newTestRedis(t, srv, RedisOptions{})
	if wins := raceReserve(t, []Store{a, b}, "imp_race", 50); wins != 1 {
		t.Fatalf("%d of 50 concurrent reserves won, want exactly 1", wins)
	}
}

func TestRedisReserveReleaseReserve(t *testing.T) {
	srv := redistest.Start(t)
	r := newTestRedis(t, srv, RedisOptions{})
	ctx := context.Background()
	steps := []struct {
		name    string
		release bool
		want    bool
	}{
		{"first reserve wins", false, true},
		{"second reserve loses", false, false},
		{"release", true, false},
		{"reserve after release wins", false, true},
		{"and is single use again", false, false},
	}
	for _, s := range steps {
		if s.release {
			if err := r.Release(ctx, "imp_1"); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		got, err := r.Reserve(ctx, "imp_1", time.Minute)
		if err != nil || got != s.want {
			t.Fatalf("%s: Reserve = %v, %v; want %v, nil", s.name, got, err, s.want)
		}
	}
}

func TestRedisKeyHasPrefixTTLAndNoID(t *testing.T) {
	srv := redistest.Start(t)
	tests := []struct {
		name       string
		opts       RedisOptions
		ttl        time.Duration
		wantPrefix string
		wantPTTL   time.Duration // upper bound; the key expires within it
	}{
		{"default prefix and a minute", RedisOptions{}, time.Minute, DefaultKeyPrefix, time.Minute},
		{"custom prefix and a short ttl", RedisOptions{KeyPrefix: "gw1:"}, 1500 * time.Millisecond, "gw1:", 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insp := inspector(t, srv)
			ctx := context.Background()
			_ = insp.FlushDB(ctx).Err()
			r := newTestRedis(t, srv, tt.opts)
			const id = "imp_123456789012"
			if ok, err := r.Reserve(ctx, id, tt.ttl); !ok || err != nil {
				t.Fatalf("Reserve = %v, %v", ok, err)
			}
			keys, err := insp.Keys(ctx, "*").Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("keys = %v, %v; want exactly one", keys, err)
			}
			k := keys[0]
			if k != tt.wantPrefix+Key(id) {
				t.Errorf("key = %q, want %q", k, tt.wantPrefix+Key(id))
			}
			if strings.Contains(k, "imp_") || strings.Contains(k, "123456789012") {
				t.Errorf("key %q carries the id", k)
			}
			pttl, err := insp.PTTL(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			// The key was written a moment before PTTL ran.
			lower := tt.wantPTTL - time.Second
			if pttl > tt.wantPTTL || pttl < lower {
				t.Errorf("PTTL = %v, want in (%v, %v]", pttl, lower, tt.wantPTTL)
			}
		})
	}
}

func TestRedisDownFailsFastAndRecoversAfterRestart(t *testing.T) {
	srv := redistest.Start(t)
	const timeout = 500 * time.Millisecond
	r := newTestRedis(t, srv, RedisOptions{Timeout: timeout})
	ctx := context.Background()
	if ok, err := r.Reserve(ctx, "imp_before", time.Minute); !ok || err != nil {
		t.Fatalf("Reserve while up = %v, %v", ok, err)
	}

	srv.Stop()
	for i := range 3 {
		start := time.Now()
		ok, err := r.Reserve(ctx, fmt.Sprintf("imp_down_%d", i), time.Minute)
		elapsed := time.Since(start)
		if ok {
			t.Fatalf("attempt %d: Reserve returned true while redis is down", i)
		}
		if err == nil {
			t.Fatalf("attempt %d: Reserve returned no error while redis is down", i)
		}
		if !strings.HasPrefix(err.Error(), "reserving in redis: ") {
			t.Errorf("attempt %d: error %q lacks context", i, err)
		}
		if elapsed > timeout+250*time.Millisecond {
			t.Errorf("attempt %d: Reserve took %v, want at most the %v timeout", i, elapsed, timeout)
		}
	}
	if err := r.Release(ctx, "imp_before"); err == nil {
		t.Error("Release returned no error while redis is down")
	}

	srv.Restart()
	// The same client must recover by itself. Stale pooled connections are
	// detected on use; allow a bounded number of attempts, never a sleep.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := r.Reserve(ctx, "imp_after", time.Minute)
		if err == nil {
			if !ok {
				t.Fatal("Reserve after restart lost on a fresh id")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Reserve still failing 5s after restart: %v", err)
		}
	}
	// The restarted server has no data, so the id reserved before passes again.
	if ok, err := r.Reserve(ctx, "imp_before", time.Minute); !ok || err != nil {
		t.Fatalf("Reserve of an id from before the restart = %v, %v; want true", ok, err)
	}
}

func TestRedisSubMillisecondTTLRoundsUp(t *testing.T) {
	// PX 0 is an error in Redis; rounding up makes it PX 1.
	srv := redistest.Start(t)
	r := newTestRedis(t, srv, RedisOptions{})
	if ok, err := r.Reserve(context.Background(), "imp_1", time.Microsecond); !ok || err != nil {
		t.Fatalf("Reserve with a 1µs ttl = %v, %v; want true, nil", ok, err)
	}
}

func TestRedisUnresponsiveServerTimesOut(t *testing.T) {
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})

	const timeout = 200 * time.Millisecond
	r, err := NewRedis("redis://"+l.Addr().String(), RedisOptions{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	ok, err := r.Reserve(context.Background(), "imp_1", time.Minute)
	elapsed := time.Since(start)
	if ok || err == nil {
		t.Fatalf("Reserve against a silent server = %v, %v; want false and an error", ok, err)
	}
	if elapsed < timeout/2 || elapsed > timeout+500*time.Millisecond {
		t.Fatalf("Reserve gave up after %v, want about the %v timeout", elapsed, timeout)
	}
}

func TestRedisRejectsBadArgumentsWithoutACommand(t *testing.T) {
	r, err := NewRedis("redis://127.0.0.1:1", RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, ttl := range []time.Duration{0, -time.Second} {
		if ok, err := r.Reserve(context.Background(), "imp_1", ttl); ok || err == nil {
			t.Errorf("Reserve with ttl %v = %v, %v; want false and an error", ttl, ok, err)
		}
	}
	if ok, err := r.Reserve(context.Background(), "", time.Minute); ok || err == nil {
		t.Errorf("Reserve with empty id = %v, %v; want false and an error", ok, err)
	}
}

func TestRedisUseAfterCloseFails(t *testing.T) {
	srv := redistest.Start(t)
	r, err := NewRedis(srv.URL(), RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Reserve(context.Background(), "imp_1", time.Minute); ok || err == nil {
		t.Fatalf("Reserve after Close = %v, %v; want false and an error", ok, err)
	}
}

func BenchmarkRedisReserve(b *testing.B) {
	srv := redistest.Start(b)
	r := newTestRedis(b, srv, RedisOptions{})
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := r.Reserve(ctx, fmt.Sprintf("imp_%p_%d", pb, i), time.Minute); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func TestRedisWithKeyPrefixSharesTheClient(t *testing.T) {
	srv := redistest.Start(t)
	base := newTestRedis(t, srv, RedisOptions{KeyPrefix: "a:"})
	other := base.WithKeyPrefix("b:")
	if other.client != base.client || other.prefix != "b:" || base.prefix != "a:" {
		t.Fatalf("WithKeyPrefix: same client %v, prefixes %q and %q", other.client == base.client, base.prefix, other.prefix)
	}
	if p := base.WithKeyPrefix("").prefix; p != DefaultKeyPrefix {
		t.Errorf("WithKeyPrefix(\"\") prefix %q, want %q", p, DefaultKeyPrefix)
	}
	ctx := context.Background()
	for _, s := range []*Redis{base, other} {
		if ok, err := s.Reserve(ctx, "imp_1", time.Minute); !ok || err != nil {
			t.Fatalf("Reserve under %q = %v, %v; want true, nil", s.prefix, ok, err)
		}
	}
}
