package singleuse

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// urlAddrs lists the addresses u names: the server, the sentinels or the
// cluster's seed nodes.
func urlAddrs(u *RedisURL) []string {
	switch u.Form {
	case RedisSentinel:
		return u.sentinel.SentinelAddrs
	case RedisCluster:
		return u.cluster.Addrs
	default:
		return []string{u.single.Addr}
	}
}

func TestParseRedisURLReadsEachForm(t *testing.T) {
	type creds struct{ user, pass, sentinelUser, sentinelPass string }
	tests := []struct {
		name       string
		url        string
		form       RedisForm
		addrs      []string
		db         int
		creds      creds
		tls        bool
		serverName string
		skipVerify bool
		wait       int
	}{
		{
			name: "single server", url: "redis://127.0.0.1:6379/2",
			form: RedisSingle, addrs: []string{"127.0.0.1:6379"}, db: 2,
		},
		{
			name: "single server with defaults", url: "redis://",
			form: RedisSingle, addrs: []string{"localhost:6379"},
		},
		{
			name: "single server over tls with credentials", url: "rediss://gw:s3cret@cache.example:6380/1",
			form: RedisSingle, addrs: []string{"cache.example:6380"}, db: 1,
			creds: creds{user: "gw", pass: "s3cret"}, tls: true, serverName: "cache.example",
		},
		{
			name: "percent-encoded password", url: "redis://:p%40ss%2Fword@127.0.0.1:6379",
			form: RedisSingle, addrs: []string{"127.0.0.1:6379"}, creds: creds{pass: "p@ss/word"},
		},
		{
			name: "single server skipping verification", url: "rediss://cache.example:6380?skip_verify=true",
			form: RedisSingle, addrs: []string{"cache.example:6380"}, tls: true, serverName: "cache.example", skipVerify: true,
		},
		{
			name: "unix socket", url: "unix:///run/redis.sock?db=3",
			form: RedisSingle, addrs: []string{"/run/redis.sock"}, db: 3,
		},
		{
			name: "single server waiting for a replica", url: "redis://127.0.0.1:6379?wait_replicas=1",
			form: RedisSingle, addrs: []string{"127.0.0.1:6379"}, wait: 1,
		},
		{
			name: "sentinels", url: "redis://10.0.0.1:26379/4?master_name=mymaster&addr=10.0.0.2:26379&addr=10.0.0.3:26379",
			form: RedisSentinel, addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}, db: 4,
		},
		{
			name: "sentinels with master and sentinel credentials over tls",
			url:  "rediss://gw:m4ster@s1.example:26379?master_name=mymaster&addr=s2.example:26379&sentinel_username=watch&sentinel_password=s3ntinel&wait_replicas=1",
			form: RedisSentinel, addrs: []string{"s1.example:26379", "s2.example:26379"},
			creds: creds{user: "gw", pass: "m4ster", sentinelUser: "watch", sentinelPass: "s3ntinel"},
			tls:   true, wait: 1,
		},
		{
			name: "cluster", url: "redis://:pw@10.0.0.1:6379?addr=10.0.0.2:6379&addr=10.0.0.3:6379",
			form: RedisCluster, addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"}, creds: creds{pass: "pw"},
		},
		{
			name: "cluster over tls with database 0", url: "rediss://n1.example:6379/0?addr=n2.example:6379&skip_verify=true",
			form: RedisCluster, addrs: []string{"n1.example:6379", "n2.example:6379"}, tls: true, skipVerify: true,
		},
		{
			name: "cluster behind one endpoint", url: "rediss://clustercfg.example:6379?cluster=true",
			form: RedisCluster, addrs: []string{"clustercfg.example:6379"}, tls: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseRedisURL(tt.url)
			if err != nil {
				t.Fatalf("ParseRedisURL: %v", err)
			}
			if u.Form != tt.form {
				t.Fatalf("form %v, want %v", u.Form, tt.form)
			}
			if got := urlAddrs(u); !slices.Equal(got, tt.addrs) {
				t.Errorf("addrs %v, want %v", got, tt.addrs)
			}
			if u.WaitReplicas != tt.wait {
				t.Errorf("wait_replicas %d, want %d", u.WaitReplicas, tt.wait)
			}
			var got creds
			var db int
			var tc *tls.Config
			switch u.Form {
			case RedisSentinel:
				o := u.sentinel
				got = creds{o.Username, o.Password, o.SentinelUsername, o.SentinelPassword}
				db, tc = o.DB, o.TLSConfig
				if o.MasterName != "mymaster" {
					t.Errorf("master name %q", o.MasterName)
				}
			case RedisCluster:
				o := u.cluster
				got = creds{user: o.Username, pass: o.Password}
				tc = o.TLSConfig
			default:
				o := u.single
				got = creds{user: o.Username, pass: o.Password}
				db, tc = o.DB, o.TLSConfig
			}
			if got != tt.creds {
				t.Errorf("credentials %+v, want %+v", got, tt.creds)
			}
			if db != tt.db {
				t.Errorf("db %d, want %d", db, tt.db)
			}
			if (tc != nil) != tt.tls {
				t.Fatalf("tls %v, want %v", tc != nil, tt.tls)
			}
			if tc != nil {
				if tc.ServerName != tt.serverName {
					t.Errorf("tls server name %q, want %q (empty: each node checked against its own address)", tc.ServerName, tt.serverName)
				}
				if tc.MinVersion != tls.VersionTLS12 {
					t.Errorf("tls min version %x, want TLS 1.2", tc.MinVersion)
				}
				if tc.InsecureSkipVerify != tt.skipVerify {
					t.Errorf("skip verify %v, want %v", tc.InsecureSkipVerify, tt.skipVerify)
				}
			}
		})
	}
}

func TestParseRedisURLRefusesBadURLsWithoutEchoingSecrets(t *testing.T) {
	// Every URL carries the password "s3cret" (in the user information or
	// as sentinel_password); no error may repeat it.
	tests := []struct {
		name, url, wantErr string
	}{
		{"unknown scheme", "http://:s3cret@127.0.0.1:6379", `unknown scheme "http"`},
		{"no scheme", "127.0.0.1:6379", "want a URL such as redis://"},
		{"unparsable", "redis://:s3cret@127.0.0.1:port/0", "not a valid URL"},
		{"slash in an unencoded password", "redis://:s3/cret@127.0.0.1:6379", "not a valid URL"},
		{"bad query escape", "redis://:s3cret@127.0.0.1:6379?master_name=%zz", "query is not valid"},
		{"bad database", "redis://:s3cret@127.0.0.1:6379/db", "invalid database number"},
		{"bad database parameter", "redis://:s3cret@127.0.0.1:6379?db=x", "invalid database number"},
		{"unknown option", "redis://:s3cret@127.0.0.1:6379?bogus=1", "unexpected option: bogus"},
		{"sentinel password without master_name", "redis://127.0.0.1:26379?sentinel_password=s3cret", "sentinel_password is only for the Sentinel form"},
		{"sentinel user without master_name", "redis://:s3cret@127.0.0.1:6379?addr=127.0.0.1:6380&sentinel_username=u", "sentinel_username is only for the Sentinel form"},
		{"empty master_name", "redis://:s3cret@127.0.0.1:26379?master_name=", "master_name is empty"},
		{"sentinel without a port", "redis://:s3cret@sentinel.example?master_name=m", "needs a host and a port"},
		{"sentinel without a host", "redis://:s3cret@:26379?master_name=m", "needs a host and a port"},
		{"sentinel on a unix socket", "unix:///run/s.sock?master_name=m", "needs redis or rediss"},
		{"sentinel with a bad addr", "redis://127.0.0.1:26379?master_name=m&addr=sentinel2&sentinel_password=s3cret", "unable to parse addr param: sentinel2"},
		{"sentinel with a password in addr", "redis://127.0.0.1:26379?master_name=m&addr=s3cret&sentinel_password=s3cret", "unable to parse addr param"},
		{"sentinel with a bad database", "redis://:s3cret@127.0.0.1:26379/x?master_name=m", "invalid database number"},
		{"sentinel with the master password as a parameter", "redis://127.0.0.1:26379?master_name=m&password=s3cret", "password is not supported in the sentinel form"},
		{"sentinel routing reads to replicas", "redis://:s3cret@127.0.0.1:26379?master_name=m&route_by_latency=true", "route_by_latency is not supported"},
		{"sentinel on replicas only", "redis://:s3cret@127.0.0.1:26379?master_name=m&replica_only=true", "replica_only is not supported"},
		{"sentinel on disconnected replicas", "redis://:s3cret@127.0.0.1:26379?master_name=m&use_disconnected_replicas=true", "use_disconnected_replicas is not supported"},
		{"cluster with a bad addr", "redis://:s3cret@127.0.0.1:6379?addr=127.0.0.1", "unable to parse addr param: 127.0.0.1"},
		{"cluster with an empty addr", "redis://:s3cret@127.0.0.1:6379?addr=", "unable to parse addr param"},
		{"cluster with a database", "redis://:s3cret@127.0.0.1:6379/3?addr=127.0.0.1:6380", "a cluster has only database 0"},
		{"cluster with a bad port", "redis://:s3cret@127.0.0.1:99999?addr=127.0.0.1:6380", `invalid port "99999"`},
		{"cluster reading replicas", "redis://:s3cret@127.0.0.1:6379?addr=127.0.0.1:6380&read_only=true", "read_only is not supported"},
		{"cluster and master_name", "redis://:s3cret@127.0.0.1:6379?cluster=true&master_name=m", "do not go together"},
		{"bad cluster flag", "redis://:s3cret@127.0.0.1:6379?cluster=maybe", "invalid cluster"},
		{"negative wait_replicas", "redis://:s3cret@127.0.0.1:6379?wait_replicas=-1", "invalid wait_replicas"},
		{"huge wait_replicas", "redis://:s3cret@127.0.0.1:6379?wait_replicas=100", "invalid wait_replicas"},
		{"repeated wait_replicas", "redis://:s3cret@127.0.0.1:6379?wait_replicas=1&wait_replicas=2", "more than once"},
		{"skip_verify without tls", "redis://:s3cret@127.0.0.1:6379?skip_verify=true", "only for rediss"},
		{"bad timeout", "redis://:s3cret@127.0.0.1:6379?dial_timeout=soon", "invalid dial_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRedisURL(tt.url)
			if err == nil {
				t.Fatal("ParseRedisURL succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "cret@") {
				t.Errorf("error %q repeats the password", err)
			}
			if strings.Contains(err.Error(), "redis: ") {
				t.Errorf("error %q keeps go-redis's prefix", err)
			}
		})
	}
}

func TestNewRedisPicksTheClientOfTheForm(t *testing.T) {
	// The URL's own timeouts and retries are overridden: every form gets
	// the README's 2 s and no retries.
	const overridden = "dial_timeout=9s&read_timeout=9s&max_retries=5"
	tests := []struct {
		url  string
		want string
	}{
		{"redis://127.0.0.1:1/0?" + overridden, "*redis.Client"},
		{"redis://127.0.0.1:1/0?master_name=m&addr=127.0.0.1:2&" + overridden, "*redis.Client"}, // a failover client
		{"redis://127.0.0.1:1?addr=127.0.0.1:2&" + overridden, "*redis.ClusterClient"},
		{"redis://127.0.0.1:1?cluster=true&" + overridden, "*redis.ClusterClient"},
	}
	for _, tt := range tests {
		r, err := NewRedis(tt.url, RedisOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if got := fmt.Sprintf("%T", r.client); got != tt.want {
			t.Errorf("%s: client %s, want %s", tt.url, got, tt.want)
		}
		var dial, read, write, pool time.Duration
		var retries, wantRetries int
		switch c := r.client.(type) {
		case *redis.Client:
			o := c.Options()
			dial, read, write, pool, retries = o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries
			wantRetries = 0 // go-redis turns our -1 into 0 tries after the first
		case *redis.ClusterClient:
			o := c.Options()
			dial, read, write, pool, retries = o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries
			wantRetries = -1 // a cluster client keeps -1, which it reads as none
		}
		for name, got := range map[string]time.Duration{"dial": dial, "read": read, "write": write, "pool": pool} {
			if got != DefaultRedisTimeout {
				t.Errorf("%s: %s timeout %v, want %v", tt.url, name, got, DefaultRedisTimeout)
			}
		}
		if retries != wantRetries {
			t.Errorf("%s: MaxRetries %d, want %d (no retries)", tt.url, retries, wantRetries)
		}
		_ = r.Close()
	}
}
