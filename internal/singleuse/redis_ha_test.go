package singleuse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/verigate/caddy-iamport/internal/redistest"
)

// newStoreAt returns a store for rawURL, closed when the test ends.
func newStoreAt(t *testing.T, rawURL string, opts RedisOptions) *Redis {
	t.Helper()
	r, err := NewRedis(rawURL, opts)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// reserveEventually retries Reserve while it fails (the store is
// recovering), up to a deadline, and returns its first answer.
func reserveEventually(t *testing.T, s Store, id string) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := s.Reserve(context.Background(), id, time.Minute)
		if err == nil {
			return ok
		}
		if time.Now().After(deadline) {
			t.Fatalf("Reserve(%s) still failing after 10s: %v", id, err)
		}
	}
}

// load reserves fresh ids on a store at a steady pace until stopped, and
// records which ones it confirmed and when it failed.
type load struct {
	name      string
	store     *Redis
	confirmed []string
	at        []time.Time // when each confirmation came back
	errors    int
	firstErr  time.Time
	lastErr   time.Time
	refused   []string      // fresh ids refused as used: a SET NX sent twice
	warm      chan struct{} // closed at warmConfirmations confirmations
}

// warmConfirmations is how many ids a load confirms on the old master
// before the test kills it.
const warmConfirmations = 200

func (l *load) run(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	// A pace, not a wait for an event: 500 reservations a second keep the
	// two shared cores free for the sentinels.
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		id := fmt.Sprintf("imp_%s_%d", l.name, i)
		ok, err := l.store.Reserve(context.Background(), id, time.Minute)
		now := time.Now()
		switch {
		case err != nil:
			if l.errors == 0 {
				l.firstErr = now
			}
			l.errors++
			l.lastErr = now
		case ok:
			l.confirmed = append(l.confirmed, id)
			l.at = append(l.at, now)
			if len(l.confirmed) == warmConfirmations {
				close(l.warm)
			}
		default:
			l.refused = append(l.refused, id)
		}
	}
}

// TestRedisSentinelFailoverKeepsSingleUse runs a master, two replicas and
// three sentinels, kills the master while two stores reserve fresh ids
// (one plain, one with wait_replicas=1), and checks after the failover
// that no id passes twice: neither those reserved before, nor those the
// waiting store confirmed while it happened, nor those reserved after.
// Requests fail (503) while it fails over. It logs how many of the plain
// store's confirmations the promoted replica lost: the asynchronous
// replication window that wait_replicas closes.
func TestRedisSentinelFailoverKeepsSingleUse(t *testing.T) {
	master := redistest.Start(t)
	// Two replicas: after the failover, the promoted one still has a
	// replica to acknowledge wait_replicas=1.
	replicas := []*redistest.Server{
		redistest.StartWith(t, redistest.Options{ReplicaOf: master}),
		redistest.StartWith(t, redistest.Options{ReplicaOf: master}),
	}
	sentinels := redistest.StartSentinels(t, master, redistest.SentinelOptions{})
	opts := RedisOptions{Timeout: 300 * time.Millisecond}
	plain := newStoreAt(t, sentinels.URL(""), opts)
	waiting := newStoreAt(t, sentinels.URL("", "wait_replicas=1"), opts)

	before := make([]string, 10)
	for i := range before {
		before[i] = fmt.Sprintf("imp_before_%d", i)
		if !reserveEventually(t, plain, before[i]) {
			t.Fatalf("%s refused before any failover", before[i])
		}
	}
	master.WaitReplicasCaughtUp()

	loads := []*load{
		{name: "plain", store: plain, warm: make(chan struct{})},
		{name: "waiting", store: waiting, warm: make(chan struct{})},
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range loads {
		wg.Add(1)
		go l.run(stop, &wg)
	}
	// Let both stores confirm ids against the old master first.
	for _, l := range loads {
		select {
		case <-l.warm:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s store confirmed fewer than %d ids within 10s", l.name, warmConfirmations)
		}
	}
	killed := time.Now()
	master.Stop() // SIGKILL, as a crash
	newMaster := sentinels.WaitFailover(master.Addr)
	if newMaster != replicas[0].Addr && newMaster != replicas[1].Addr {
		t.Fatalf("new master %s, want one of the replicas", newMaster)
	}
	failedOver := time.Since(killed)
	for _, l := range loads {
		reserveEventually(t, l.store, "imp_probe_"+l.name)
	}
	recovered := time.Since(killed)
	close(stop)
	wg.Wait()

	for _, id := range before {
		if reserveEventually(t, plain, id) {
			t.Errorf("%s, reserved and replicated before the failover, passed again after it", id)
		}
	}
	for _, l := range loads {
		if l.errors == 0 {
			t.Errorf("%s store: no error while the master was down; the test did not catch the failover", l.name)
		}
		if len(l.refused) > 0 {
			t.Errorf("%s store: fresh ids refused as used (a SET NX sent twice?): %v", l.name, l.refused)
		}
		lost := 0
		var lastBefore time.Duration
		for i, id := range l.confirmed {
			if l.at[i].Before(killed) {
				lastBefore = killed.Sub(l.at[i])
			}
			if reserveEventually(t, l.store, id) {
				lost++
			}
		}
		t.Logf("%s store: %d ids confirmed (the last one before the kill %v before it), %d lost in the failover; %d errors (503s) from %v to %v after the kill",
			l.name, len(l.confirmed), lastBefore.Round(time.Microsecond), lost, l.errors, l.firstErr.Sub(killed).Round(time.Millisecond), l.lastErr.Sub(killed).Round(time.Millisecond))
		if l.store == waiting && lost > 0 {
			t.Errorf("waiting store: %d confirmed ids passed again after the failover", lost)
		}
	}
	t.Logf("sentinels agreed on the new master %v after the kill; both stores answered again after %v", failedOver.Round(time.Millisecond), recovered.Round(time.Millisecond))

	for i := range 5 {
		id := fmt.Sprintf("imp_after_%d", i)
		if !reserveEventually(t, plain, id) {
			t.Fatalf("fresh id %s refused after the failover", id)
		}
		for _, s := range []*Redis{plain, waiting} {
			if reserveEventually(t, s, id) {
				t.Errorf("%s, reserved after the failover, passed twice", id)
			}
		}
	}
	// Stores with the default timeout: 40 reservations at once on a loaded
	// machine may take longer than the 300ms of the stores above.
	racers := []Store{
		newStoreAt(t, sentinels.URL(""), RedisOptions{}),
		newStoreAt(t, sentinels.URL("", "wait_replicas=1"), RedisOptions{}),
	}
	if wins := raceReserve(t, racers, "imp_race_after_failover", 40); wins != 1 {
		t.Errorf("%d of 40 concurrent reservations won after the failover, want 1", wins)
	}
}

// TestRedisWaitReplicasRefusesWhatNoReplicaHas simulates a partition: the
// replica is promoted on its own (as sentinels on the other side would)
// while a gateway still reaches the old master. A plain store's
// reservation on the old master succeeds, and the same id then passes on
// the new master too; with wait_replicas=1 the old master's reservation
// fails (503) and is undone, so the id passes once.
func TestRedisWaitReplicasRefusesWhatNoReplicaHas(t *testing.T) {
	master := redistest.Start(t)
	replica := redistest.StartWith(t, redistest.Options{ReplicaOf: master})
	ctx := context.Background()
	const timeout = 400 * time.Millisecond
	opts := RedisOptions{Timeout: timeout}
	plain := newStoreAt(t, master.URL(), opts)
	waiting := newStoreAt(t, master.URL()+"?wait_replicas=1", opts)
	onReplica := replica.Client()

	// While the replica follows, a waiting reservation returns only once
	// the replica has the key. (A store with a long timeout: on a loaded
	// machine the replica may take longer than 200ms to acknowledge.)
	patient := newStoreAt(t, master.URL()+"?wait_replicas=1", RedisOptions{Timeout: 10 * time.Second})
	if ok, err := patient.Reserve(ctx, "imp_replicated", time.Minute); !ok || err != nil {
		t.Fatalf("waiting Reserve with a healthy replica = %v, %v", ok, err)
	}
	if n, err := onReplica.Exists(ctx, patient.key("imp_replicated")).Result(); err != nil || n != 1 {
		t.Fatalf("replica has the key: %d, %v; want it there when Reserve returns", n, err)
	}

	if err := onReplica.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	promoted := newStoreAt(t, replica.URL(), opts)

	tests := []struct {
		name        string
		store       *Redis
		wantErr     bool
		passesTwice bool
	}{
		{"plain store confirms on the old master", plain, false, true},
		{"waiting store refuses on the old master", waiting, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "imp_partition_" + tt.store.prefix + fmt.Sprint(tt.wantErr)
			start := time.Now()
			ok, err := tt.store.Reserve(ctx, id, time.Minute)
			took := time.Since(start)
			if (err != nil) != tt.wantErr || ok == tt.wantErr {
				t.Fatalf("Reserve on the old master = %v, %v; want error %v", ok, err, tt.wantErr)
			}
			if tt.wantErr {
				// WAIT gives up after half the timeout, the undoing DEL may
				// take another half; the rest is slack for a loaded machine.
				if took > timeout+500*time.Millisecond {
					t.Errorf("Reserve took %v, want about the %v timeout", took, timeout)
				}
				if n, err := master.Client().Exists(ctx, tt.store.key(id)).Result(); err != nil || n != 0 {
					t.Errorf("old master keeps the unconfirmed key: %d, %v", n, err)
				}
			}
			again, err := promoted.Reserve(ctx, id, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if passedTwice := ok && again; passedTwice != tt.passesTwice {
				t.Fatalf("passed on the old master %v and on the new one %v; want twice: %v", ok, again, tt.passesTwice)
			}
		})
	}
}

// TestRedisClusterSpreadsIDsAndHoldsSingleUse runs a three-master cluster
// and checks that ids land on several masters, that a second store (given
// one node and cluster=true) sees every reservation, and that concurrent
// reservations of one id have exactly one winner.
func TestRedisClusterSpreadsIDsAndHoldsSingleUse(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	a := newStoreAt(t, cluster.URL(), RedisOptions{})
	b := newStoreAt(t, "redis://"+cluster.Nodes[1].Addr+"?cluster=true", RedisOptions{})
	ctx := context.Background()

	const n = 30
	for i := range n {
		id := fmt.Sprintf("imp_cluster_%d", i)
		if ok, err := a.Reserve(ctx, id, time.Minute); !ok || err != nil {
			t.Fatalf("first Reserve(%s) = %v, %v", id, ok, err)
		}
		for _, s := range []*Redis{a, b} {
			if ok, err := s.Reserve(ctx, id, time.Minute); ok || err != nil {
				t.Fatalf("second Reserve(%s) = %v, %v; want false", id, ok, err)
			}
		}
	}
	total, holding := 0, 0
	for _, node := range cluster.Nodes {
		keys, err := node.Client().DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		total += int(keys)
		if keys > 0 {
			holding++
		}
	}
	if total != n || holding < 2 {
		t.Fatalf("%d keys on %d masters, want %d keys on at least 2", total, holding, n)
	}

	for i := range 3 {
		id := fmt.Sprintf("imp_cluster_race_%d", i)
		if wins := raceReserve(t, []Store{a, b}, id, 40); wins != 1 {
			t.Errorf("%s: %d of 40 concurrent reservations won, want 1", id, wins)
		}
	}

	// wait_replicas runs WAIT on the key's master: these masters have no
	// replica, so the reservation fails and is undone.
	// (A timeout long enough for the SET's answer to come back on a loaded
	// machine: an unanswered SET is not undone, since it may not be ours.)
	waiting := newStoreAt(t, cluster.URL("wait_replicas=1"), RedisOptions{Timeout: time.Second})
	if ok, err := waiting.Reserve(ctx, "imp_cluster_wait", time.Minute); ok || err == nil {
		t.Fatalf("Reserve waiting for a replica no master has = %v, %v; want an error", ok, err)
	}
	if ok, err := a.Reserve(ctx, "imp_cluster_wait", time.Minute); !ok || err != nil {
		t.Fatalf("Reserve after an undone reservation = %v, %v; want true", ok, err)
	}
}

// TestRedisSentinelCredentials runs a master and a sentinel that both
// require a password, and checks that the URL's user information goes to
// the master and sentinel_password to the sentinel.
func TestRedisSentinelCredentials(t *testing.T) {
	master := redistest.StartWith(t, redistest.Options{Password: "m4ster"})
	sentinels := redistest.StartSentinels(t, master, redistest.SentinelOptions{Count: 1, Password: "s3ntinel"})
	tests := []struct {
		name     string
		userinfo string
		extra    []string
		wantErr  bool
	}{
		{"master password in the user information, sentinel password as a parameter", ":m4ster", []string{"sentinel_password=s3ntinel"}, false},
		{"no sentinel password", ":m4ster", nil, true},
		{"no master password", "", []string{"sentinel_password=s3ntinel"}, true},
		{"passwords swapped", ":s3ntinel", []string{"sentinel_password=m4ster"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStoreAt(t, sentinels.URL(tt.userinfo, tt.extra...), RedisOptions{})
			ok, err := s.Reserve(context.Background(), "imp_"+tt.name, time.Minute)
			if tt.wantErr {
				if ok || err == nil {
					t.Fatalf("Reserve = %v, %v; want an error", ok, err)
				}
				if strings.Contains(err.Error(), "m4ster") || strings.Contains(err.Error(), "s3ntinel") {
					t.Fatalf("error %q repeats a password", err)
				}
				return
			}
			if !ok || err != nil {
				t.Fatalf("Reserve = %v, %v; want true", ok, err)
			}
		})
	}
}

// BenchmarkRedisReserveWaitReplicas measures what wait_replicas=1 costs a
// reservation on a master with one replica on the same machine:
//
//	go test -run '^$' -bench RedisReserveWaitReplicas -benchtime 3000x ./internal/singleuse/
func BenchmarkRedisReserveWaitReplicas(b *testing.B) {
	master := redistest.Start(b)
	redistest.StartWith(b, redistest.Options{ReplicaOf: master})
	for _, bc := range []struct{ name, query string }{
		{"plain", ""},
		{"wait_replicas=1", "?wait_replicas=1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := NewRedis(master.URL()+bc.query, RedisOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if err := master.Client().FlushAll(ctx).Err(); err != nil { // ids from an earlier -count round
				b.Fatal(err)
			}
			for i := 0; b.Loop(); i++ {
				if ok, err := s.Reserve(ctx, fmt.Sprintf("imp_bench_%s_%d", bc.name, i), time.Minute); !ok || err != nil {
					b.Fatalf("Reserve = %v, %v", ok, err)
				}
			}
		})
	}
}

// TestRedisTLS runs a server that speaks TLS only, with a certificate no
// client trusts: rediss:// with skip_verify=true reaches it, rediss://
// alone refuses the certificate, and redis:// cannot talk to it.
func TestRedisTLS(t *testing.T) {
	srv := redistest.StartWith(t, redistest.Options{TLS: true})
	tests := []struct {
		name, url, wantErr string
	}{
		{"tls without verification", "rediss://" + srv.Addr + "/0?skip_verify=true", ""},
		{"tls with verification", "rediss://" + srv.Addr + "/0", "certificate"},
		{"plain text to a tls port", "redis://" + srv.Addr + "/0", "reserving in redis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStoreAt(t, tt.url, RedisOptions{})
			ok, err := s.Reserve(context.Background(), "imp_"+tt.name, time.Minute)
			if tt.wantErr == "" {
				if !ok || err != nil {
					t.Fatalf("Reserve = %v, %v; want true", ok, err)
				}
				return
			}
			if ok || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Reserve = %v, %v; want an error mentioning %q", ok, err, tt.wantErr)
			}
		})
	}
}

// TestRedisWaitReplicasNeverResendsSetNX cuts the connection once a
// reservation's SET NX and WAIT have gone out, before their replies. The
// store's client here would retry a failed pipeline three times; the SET
// NX must still reach the server once only, and the reservation must be
// an error rather than "already used".
func TestRedisWaitReplicasNeverResendsSetNX(t *testing.T) {
	srv := redistest.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var sets atomic.Int32
	go func() {
		for {
			down, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				_ = down.Close()
				continue
			}
			go func() { _, _ = io.Copy(down, up) }()
			go func() {
				defer down.Close()
				defer up.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := down.Read(buf)
					if err != nil {
						return
					}
					chunk := buf[:n]
					sets.Add(int32(bytes.Count(chunk, []byte("\r\nSET\r\n"))))
					if _, err := up.Write(chunk); err != nil {
						return
					}
					if bytes.Contains(chunk, []byte("\r\nWAIT\r\n")) {
						return // the replies are lost
					}
				}
			}()
		}
	}()

	const timeout = 2 * time.Second
	r := &Redis{
		client: redis.NewClient(&redis.Options{
			Addr: l.Addr().String(), MaxRetries: 3, MinRetryBackoff: time.Millisecond,
			DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout,
		}),
		prefix:       DefaultKeyPrefix,
		timeout:      timeout,
		waitReplicas: 1,
	}
	t.Cleanup(func() { _ = r.Close() })
	ok, err := r.Reserve(context.Background(), "imp_cut", time.Minute)
	if ok || err == nil {
		t.Errorf("Reserve with its replies lost = %v, %v; want false and an error", ok, err)
	}
	if n := sets.Load(); n != 1 {
		t.Errorf("SET NX reached the server %d times, want once", n)
	}
}
