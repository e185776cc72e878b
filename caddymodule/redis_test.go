package caddymodule_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/redistest"
)

// TestRedisStoreLetsAnIDThroughOnceAcrossInstances runs two gateway sites
// whose handlers use two separate Redis clients (two URLs for the same
// server), as two Caddy instances behind a load balancer would, and sends
// 50 concurrent requests with one id spread over both.
func TestRedisStoreLetsAnIDThroughOnceAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "gw1.localhost", options: "single_use redis " + rs.URL()},
		site{host: "gw2.localhost", options: "single_use redis " + rs.URL() + "?dial_timeout=3s"},
	))
	hosts := func(i int) string {
		if i%2 == 0 {
			return "gw1.localhost"
		}
		return "gw2.localhost"
	}
	statuses := parallelTo(t, tester, 50, hosts, func(int) string { return idAdult })
	if statuses[200] != 1 || statuses[409] != 49 {
		t.Fatalf("statuses %v, want one 200 and 49 409 across both instances", statuses)
	}
	if be.hits() != 1 {
		t.Fatalf("backend hits %d, want 1", be.hits())
	}
}

// TestRedisOutageFailsClosedAndRecovers stops Redis mid-test: requests are
// refused with 503 and none passes; once Redis is back, the handler's
// client reconnects by itself and requests pass again.
func TestRedisOutageFailsClosedAndRecovers(t *testing.T) {
	rs := redistest.Start(t)
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use redis " + rs.URL()}))
	signup := func(id string) (*http.Response, []byte) {
		return postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+id+`"}`)
	}

	if resp, body := signup(idAdult); resp.StatusCode != http.StatusOK {
		t.Fatalf("with Redis up: %d %s", resp.StatusCode, body)
	}
	if resp, body := signup(idAdult); resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay with Redis up: %d %s", resp.StatusCode, body)
	}

	rs.Stop()
	hits := be.hits()
	for _, id := range []string{idHangul, idForeigner, idNoDI, idAdult} {
		resp, body := signup(id)
		assertProblem(t, resp, body, http.StatusServiceUnavailable, "verification_unavailable")
	}
	if be.hits() != hits {
		t.Fatal("a request passed while Redis was down")
	}

	rs.Restart()
	if resp, body := signup(idHangul); resp.StatusCode != http.StatusOK {
		t.Fatalf("after Redis came back: %d %s", resp.StatusCode, body)
	}
	if resp, body := signup(idHangul); resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay after Redis came back: %d %s", resp.StatusCode, body)
	}
}

// TestRedisSentinelThroughCaddy runs a password-protected master with a
// replica and a sentinel that wants its own password, and a gateway
// whose redis_url is a Sentinel URL given by an {env.*} placeholder. An
// id passes once; the master is killed; while the sentinel fails over,
// requests are refused with 503; afterwards the used id is still refused
// and a fresh one passes once.
func TestRedisSentinelThroughCaddy(t *testing.T) {
	master := redistest.StartWith(t, redistest.Options{Password: "m4ster"})
	replica := redistest.StartWith(t, redistest.Options{Password: "m4ster", ReplicaOf: master})
	sentinels := redistest.StartSentinels(t, master, redistest.SentinelOptions{Count: 1, Password: "s3ntinel"})
	t.Setenv("IAMPORT_TEST_REDIS_URL", sentinels.URL(":m4ster", "sentinel_password=s3ntinel"))
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "single_use redis {env.IAMPORT_TEST_REDIS_URL}"}))
	signup := func(id string) (*http.Response, []byte) {
		return postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+id+`"}`)
	}

	if resp, body := signup(idAdult); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: %d %s", resp.StatusCode, body)
	}
	if resp, body := signup(idAdult); resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}

	master.WaitReplicasCaughtUp()
	master.Stop()
	if resp, body := signup(idHangul); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("with the master down: %d %s, want 503", resp.StatusCode, body)
	}
	if got := sentinels.WaitFailover(master.Addr); got != replica.Addr {
		t.Fatalf("new master %s, want the replica %s", got, replica.Addr)
	}
	// The gateway finds the new master by itself; until it does, it fails
	// closed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body := signup(idAdult)
		if resp.StatusCode == http.StatusConflict {
			break
		}
		assertProblem(t, resp, body, http.StatusServiceUnavailable, "verification_unavailable")
		if time.Now().After(deadline) {
			t.Fatal("the gateway still answers 503 10s after the failover")
		}
	}
	if resp, body := signup(idHangul); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh id after the failover: %d %s", resp.StatusCode, body)
	}
	if resp, body := signup(idHangul); resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay after the failover: %d %s", resp.StatusCode, body)
	}
	if be.hits() != 2 {
		t.Fatalf("backend hits %d, want 2", be.hits())
	}
}
