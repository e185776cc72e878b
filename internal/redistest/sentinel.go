package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels started by StartSentinels give the
// master they watch (the URL's master_name).
const MasterName = "mymaster"

// SentinelOptions tunes StartSentinels. The zero value runs three
// sentinels with a quorum of two.
type SentinelOptions struct {
	// Count is how many sentinels to run; the default is 3. The quorum is
	// a majority of them.
	Count int
	// Password, when set, is required from clients of the sentinels
	// (requirepass) and used between them (sentinel sentinel-pass).
	Password string
}

// Sentinels is a group of redis-server processes in sentinel mode
// watching one master. They declare it down after 500ms without an
// answer, so a failover takes a few seconds.
type Sentinels struct {
	// Servers are the sentinels, each stopped when the test ends.
	Servers []*Server

	tb       testing.TB
	password string
	master   *Server
}

// StartSentinels runs sentinels that watch master (and find its replicas
// through it), and waits until each one knows the master, every replica
// started with Options.ReplicaOf, and every other sentinel, so that a
// failover can be voted on.
func StartSentinels(tb testing.TB, master *Server, o SentinelOptions) *Sentinels {
	tb.Helper()
	if o.Count <= 0 {
		o.Count = 3
	}
	quorum := o.Count/2 + 1
	g := &Sentinels{tb: tb, password: o.Password, master: master}
	for range o.Count {
		s := start(tb, func(port int) (string, []string, error) {
			// A sentinel needs a writable config file: it records what it
			// learns there.
			dir, err := os.MkdirTemp(tb.TempDir(), "sentinel")
			if err != nil {
				return "", nil, err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "sentinel monitor %s 127.0.0.1 %d %d\n", MasterName, master.port, quorum)
			fmt.Fprintf(&b, "sentinel down-after-milliseconds %s 500\n", MasterName)
			fmt.Fprintf(&b, "sentinel failover-timeout %s 2000\n", MasterName)
			if master.password != "" {
				fmt.Fprintf(&b, "sentinel auth-pass %s %s\n", MasterName, master.password)
			}
			if o.Password != "" {
				fmt.Fprintf(&b, "requirepass %s\nsentinel sentinel-pass %s\n", o.Password, o.Password)
			}
			conf := filepath.Join(dir, "sentinel.conf")
			if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
				return "", nil, err
			}
			return conf, []string{"--sentinel"}, nil
		}, false)
		s.password = o.Password
		g.Servers = append(g.Servers, s)
	}
	for _, s := range g.Servers {
		waitFor(tb, "sentinel "+s.Addr+" to know the master, its replicas and the other sentinels", func(ctx context.Context) error {
			m, err := g.client(s).Master(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			if m["flags"] != "master" {
				return fmt.Errorf("master flags %q", m["flags"])
			}
			if n, _ := strconv.Atoi(m["num-slaves"]); n < len(master.replicas) {
				return fmt.Errorf("%d of %d replicas known", n, len(master.replicas))
			}
			if n, _ := strconv.Atoi(m["num-other-sentinels"]); n < o.Count-1 {
				return fmt.Errorf("%d of %d other sentinels known", n, o.Count-1)
			}
			return nil
		})
	}
	return g
}

// Addrs lists the sentinels' addresses.
func (g *Sentinels) Addrs() []string {
	addrs := make([]string, len(g.Servers))
	for i, s := range g.Servers {
		addrs[i] = s.Addr
	}
	return addrs
}

// URL returns a Sentinel-form URL naming every sentinel, with extra query
// parameters appended (such as "wait_replicas=1"), and userinfo (such as
// ":password") before the first sentinel's address when not empty.
func (g *Sentinels) URL(userinfo string, extra ...string) string {
	var b strings.Builder
	b.WriteString("redis://")
	if userinfo != "" {
		b.WriteString(userinfo + "@")
	}
	b.WriteString(g.Servers[0].Addr + "/0?master_name=" + MasterName)
	for _, s := range g.Servers[1:] {
		b.WriteString("&addr=" + s.Addr)
	}
	for _, e := range extra {
		b.WriteString("&" + e)
	}
	return b.String()
}

// client is a sentinel client for s, closed when the test ends.
func (g *Sentinels) client(s *Server) *redis.SentinelClient {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, Password: g.password, MaxRetries: -1})
	g.tb.Cleanup(func() { _ = c.Close() })
	return c
}

// WaitFailover waits until every running sentinel names a master other
// than from, and that server answers as a master; it returns the new
// master's address.
func (g *Sentinels) WaitFailover(from string) string {
	g.tb.Helper()
	var addr string
	waitFor(g.tb, "the sentinels to fail over from "+from, func(ctx context.Context) error {
		addr = ""
		for _, s := range g.Servers {
			hp, err := g.client(s).GetMasterAddrByName(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			got := net.JoinHostPort(hp[0], hp[1])
			if got == from {
				return errors.New("sentinel " + s.Addr + " still names the old master")
			}
			if addr != "" && got != addr {
				return fmt.Errorf("sentinels disagree: %s and %s", addr, got)
			}
			addr = got
		}
		var srv *Server
		for _, r := range g.master.replicas {
			if r.Addr == addr {
				srv = r
			}
		}
		if srv == nil {
			return fmt.Errorf("the sentinels name %s, which is none of the replicas", addr)
		}
		info, err := srv.info(ctx, "replication")
		if err != nil {
			return err
		}
		if info["role"] != "master" {
			return fmt.Errorf("%s has role %q", addr, info["role"])
		}
		return nil
	})
	return addr
}
