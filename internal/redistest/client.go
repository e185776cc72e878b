package redistest

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// settleTimeout bounds how long a helper waits for servers to reach a
// state: a replica to synchronise, sentinels to find each other, a
// cluster to cover its slots, a failover to end.
const settleTimeout = 20 * time.Second

// Client returns a plain client for the server (with its password),
// closed when the test ends. Tests use it to look at or change the
// server directly.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(s.options())
	s.tb.Cleanup(func() { _ = c.Close() })
	return c
}

// options are a client's options for the server.
func (s *Server) options() *redis.Options {
	o := &redis.Options{Addr: s.Addr, Password: s.password, MaxRetries: -1}
	if s.tls {
		o.TLSConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a test server's self-signed certificate
	}
	return o
}

// info returns one INFO section as a map.
func (s *Server) info(ctx context.Context, section string) (map[string]string, error) {
	c := redis.NewClient(s.options())
	defer c.Close()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	return parseInfo(text), nil
}

// parseInfo reads the key:value lines of an INFO answer.
func parseInfo(text string) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok {
			m[k] = v
		}
	}
	return m
}

// WaitReplicasCaughtUp waits until every replica connected to the server
// has acknowledged all its writes, so that nothing written so far can be
// lost in a failover.
func (s *Server) WaitReplicasCaughtUp() {
	s.tb.Helper()
	waitFor(s.tb, "the replicas of "+s.Addr+" to catch up", func(ctx context.Context) error {
		info, err := s.info(ctx, "replication")
		if err != nil {
			return err
		}
		want, _ := strconv.ParseInt(info["master_repl_offset"], 10, 64)
		n, _ := strconv.Atoi(info["connected_slaves"])
		if n < len(s.replicas) {
			return fmt.Errorf("%d of %d replicas connected", n, len(s.replicas))
		}
		for i := range n {
			// slave0:ip=127.0.0.1,port=1234,state=online,offset=42,lag=0
			for field := range strings.SplitSeq(info["slave"+strconv.Itoa(i)], ",") {
				if v, ok := strings.CutPrefix(field, "offset="); ok {
					if got, _ := strconv.ParseInt(v, 10, 64); got < want {
						return fmt.Errorf("replica %d at offset %d of %d", i, got, want)
					}
				}
			}
		}
		return nil
	})
}

// waitFor polls cond until it returns nil, failing the test with the last
// error once settleTimeout has passed. Each poll gets a short context.
func waitFor(tb testing.TB, what string, cond func(context.Context) error) {
	tb.Helper()
	deadline := time.Now().Add(settleTimeout)
	backoff := 5 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := cond(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: waiting for %s: gave up after %v: %v", what, settleTimeout, err)
		}
		// A pause between polls, not a wait for a fixed time: the loop ends
		// as soon as the condition holds.
		time.Sleep(backoff)
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}
