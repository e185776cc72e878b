package caddymodule_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	// The per-client limit of the README's recipe (cmd/caddy links it too).
	_ "github.com/mholt/caddy-ratelimit"
)

// clientFrom returns an HTTP client whose connections to the gateway come
// from the loopback address local, as a second client machine would.
func clientFrom(t *testing.T, local string) *http.Client {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, "127.0.0.1:9080")
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// signup posts id to the gateway's site localhost through c, with the
// X-Forwarded-For header when xff is not empty.
func signup(t *testing.T, c *http.Client, id, xff string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9080/signup", strings.NewReader(`{"imp_uid":"`+id+`"}`))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// rateLimitBlock is the README's recipe, with a limit of `events`
// verifications a minute per client and a zone name of the test's own
// (caddy-ratelimit keeps a zone's state across config loads by name).
func rateLimitBlock(zone string, events int) string {
	return fmt.Sprintf(`rate_limit {
		zone %s {
			match {
				method POST
				path /signup
			}
			key {client_ip}
			window 1m
			events %d
		}
	}
	reverse_proxy `, zone, events)
}

// TestRateLimitRecipeStopsOneClientBeforeAnyLookup proves the README's
// per-client recipe through a real Caddy: a client over its limit gets 429
// and makes no lookup, while another client still verifies. With
// trusted_proxies, clients behind a load balancer are told apart by
// X-Forwarded-For; without it they would all share the balancer's limit.
func TestRateLimitRecipeStopsOneClientBeforeAnyLookup(t *testing.T) {
	const limit = 3
	tests := []struct {
		name             string
		trustedProxies   bool
		attackerAddr     string
		attackerXFF      string
		personAddr       string
		personXFF        string
		personBlockedToo bool
	}{
		{name: "two direct clients", attackerAddr: "127.0.0.1", personAddr: "127.0.0.2"},
		{name: "behind a trusted load balancer", trustedProxies: true,
			attackerAddr: "127.0.0.1", attackerXFF: "203.0.113.7", personAddr: "127.0.0.1", personXFF: "198.51.100.9"},
		{name: "behind a load balancer not trusted", personBlockedToo: true,
			attackerAddr: "127.0.0.1", attackerXFF: "203.0.113.7", personAddr: "127.0.0.1", personXFF: "198.51.100.9"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t)
			global := "\torder rate_limit before iamport_verify\n"
			if tt.trustedProxies {
				global += "\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}\n"
			}
			zone := fmt.Sprintf("%s_%d", regexp.MustCompile(`\W+`).ReplaceAllString(t.Name(), "_"), i)
			// Written after iamport_verify in the site block: the order line
			// is what makes rate_limit run first.
			startCaddy(t, buildConfig(t, global, be.addr(), []site{
				{host: "localhost", after: rateLimitBlock(zone, limit) + be.addr()},
			}))
			attacker, person := clientFrom(t, tt.attackerAddr), clientFrom(t, tt.personAddr)

			for n := range limit {
				resp, body := signup(t, attacker, fmt.Sprintf("imp_9000000000%02d", n), tt.attackerXFF)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"verification_not_found"`) {
					t.Fatalf("guess %d: %d %s, want 403 verification_not_found", n+1, resp.StatusCode, body)
				}
			}
			_, _, calls := inFlight(t)
			if calls != limit {
				t.Fatalf("%d certification calls for %d guesses", calls, limit)
			}
			resp, _ := signup(t, attacker, "imp_900000000099", tt.attackerXFF)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("guess over the limit: %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if _, _, after := inFlight(t); after != calls {
				t.Fatalf("the refused guess made %d lookups, want none", after-calls)
			}

			resp, body := signup(t, person, idAdult, tt.personXFF)
			if tt.personBlockedToo {
				if resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("without trusted_proxies every client is the balancer: %d %s, want 429", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || be.hits() != 1 {
				t.Fatalf("the other client: %d %s (upstream hits %d), want 200 verified", resp.StatusCode, body, be.hits())
			}
			if h := be.last(t).Header.Get("X-Verified-Ci-Hash"); len(h) != 64 {
				t.Fatalf("the other client reached the upstream without its CI hash: %q", h)
			}
		})
	}
}
