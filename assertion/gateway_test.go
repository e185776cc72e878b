package assertion

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/caddymodule"
	"github.com/verigate/caddy-iamport/internal/clocktest"
	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/signing"
)

// TestTheCopiedGatewayValuesMatchTheGateway ties each value this package
// copies from the gateway (it must stay importable without the gateway's
// internal packages) to its source.
func TestTheCopiedGatewayValuesMatchTheGateway(t *testing.T) {
	if MaxLifetime != signing.MaxLifetime {
		t.Errorf("MaxLifetime %s, the gateway signs for up to %s", MaxLifetime, signing.MaxLifetime)
	}
	if DefaultIssuer != caddymodule.DefaultAssertionIssuer {
		t.Errorf("DefaultIssuer %q, the gateway's default issuer is %q", DefaultIssuer, caddymodule.DefaultAssertionIssuer)
	}
	if DefaultCacheLifetime != signing.CacheLifetime {
		t.Errorf("DefaultCacheLifetime %s, the gateway's JWKS max-age is %s", DefaultCacheLifetime, signing.CacheLifetime)
	}
	if retryAfter != strconv.Itoa(problem.RetryAfterSeconds) {
		t.Errorf("the middleware's Retry-After %q, the gateway's %d", retryAfter, problem.RetryAfterSeconds)
	}
}

// TestAnAssertionOfTheLongestLifetimeIsAccepted signs as a gateway with
// the default issuer and the longest lifetime it allows, and verifies with
// a Verifier left to its defaults, up to the token's last second.
func TestAnAssertionOfTheLongestLifetimeIsAccepted(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	g := newGateway(t, key)
	v, err := NewVerifier(Config{JWKSURL: g.srv.URL, Audience: aud, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	is := &signing.Issuer{Issuer: caddymodule.DefaultAssertionIssuer, Audience: aud, Lifetime: signing.MaxLifetime, Now: clock.Now}
	if err := is.Check(); err != nil {
		t.Fatal(err)
	}
	tok, err := is.Sign(key, signing.Claims{Subject: "ab12"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(epoch.Add(signing.MaxLifetime - time.Second))
	id, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("an assertion valid for %s was refused: %v", signing.MaxLifetime, err)
	}
	if !id.Expiry.Equal(epoch.Add(signing.MaxLifetime)) || id.Issuer != caddymodule.DefaultAssertionIssuer {
		t.Fatalf("identity = %+v", id)
	}
}
