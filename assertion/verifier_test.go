package assertion

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/verigate/caddy-iamport/internal/clocktest"
	"github.com/verigate/caddy-iamport/internal/signing"
)

const (
	aud = "https://app.example"
	iss = "caddy-iamport"
)

var epoch = time.Unix(1_800_000_000, 0)

// gateway stands in for iamport_jwks: it serves the JWKS of its keys and
// counts fetches.
type gateway struct {
	mu           sync.Mutex
	keys         []*signing.Key
	cacheControl string
	down         bool
	fetches      atomic.Int32
	srv          *httptest.Server
}

func newGateway(t *testing.T, keys ...*signing.Key) *gateway {
	g := &gateway{keys: keys, cacheControl: "public, max-age=300"}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.fetches.Add(1)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		set, _ := signing.StaticSet(g.keys)
		data, _ := set.JWKS(time.Time{})
		w.Header().Set("Cache-Control", g.cacheControl)
		w.Write(data)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) set(f func(g *gateway)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g)
}

func newKey(t *testing.T) *signing.Key {
	t.Helper()
	k, err := signing.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func verifier(t *testing.T, g *gateway, clock *clocktest.Clock) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{JWKSURL: g.srv.URL, Audience: aud, Issuer: iss, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sign issues an assertion as the gateway does, at the clock's time.
func sign(t *testing.T, key *signing.Key, clock *clocktest.Clock, audience string, edit func(*signing.Claims)) string {
	t.Helper()
	c := signing.Claims{Subject: "ab12", BirthYear: 1990, DI: "di", VerifiedAt: epoch.Unix() - 60, Source: "iamport"}
	if edit != nil {
		edit(&c)
	}
	is := &signing.Issuer{Issuer: iss, Audience: audience, Now: clock.Now}
	tok, err := is.Sign(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signRaw signs an arbitrary payload with key.
func signRaw(t *testing.T, key *signing.Key, payload map[string]any) string {
	t.Helper()
	data, _ := json.Marshal(payload)
	tok, err := key.SignPayload(data)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerifyAcceptsTheGatewaysAssertion(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	g := newGateway(t, key)
	v := verifier(t, g, clock)
	age := 36
	tok := sign(t, key, clock, aud, func(c *signing.Claims) { c.Age = &age; c.Name = "홍길동" })
	id, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if id.CIHash != "ab12" || id.BirthYear != 1990 || id.DI != "di" || id.Source != "iamport" ||
		!id.VerifiedAt.Equal(epoch.Add(-time.Minute)) || id.Age == nil || *id.Age != 36 || id.Name != "홍길동" ||
		id.Issuer != iss || id.Audience != aud || id.ID == "" || !id.Expiry.Equal(epoch.Add(signing.DefaultLifetime)) {
		t.Fatalf("identity = %+v", id)
	}
}

func TestVerifyRefusesUntrustworthyTokens(t *testing.T) {
	clock := clocktest.New(epoch)
	key, other := newKey(t), newKey(t)
	g := newGateway(t, key)
	good := sign(t, key, clock, aud, nil)
	parts := strings.Split(good, ".")
	now := epoch.Unix()
	hs256 := func() string {
		// The classic confusion: an HMAC "signed" with the public key.
		pub, _ := json.Marshal(key.Public())
		head := b64(fmt.Sprintf(`{"alg":"HS256","kid":%q,"typ":"JWT"}`, key.ID))
		m := hmac.New(sha256.New, pub)
		m.Write([]byte(head + "." + parts[1]))
		return head + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}()
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": iss, "aud": aud, "sub": "ab12", "jti": "x", "iat": now, "nbf": now, "exp": now + 120}
		edit(c)
		return c
	}
	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not.a.jwt"},
		{"too long", good + strings.Repeat("A", maxToken)},
		{"tampered payload", parts[0] + "." + b64(`{"iss":"caddy-iamport","aud":"https://app.example","sub":"ffff","jti":"x","iat":1800000000,"exp":1800000120}`) + "." + parts[2]},
		{"tampered signature", parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{"alg none", b64(fmt.Sprintf(`{"alg":"none","kid":%q}`, key.ID)) + "." + parts[1] + "."},
		{"HS256 with the public key", hs256},
		{"signed by a key not in the set", sign(t, other, clock, aud, nil)},
		{"another audience", sign(t, key, clock, "https://other.example", nil)},
		{"another issuer", signRaw(t, key, claims(func(c map[string]any) { c["iss"] = "evil" }))},
		{"expired beyond the leeway", signRaw(t, key, claims(func(c map[string]any) { c["iat"], c["nbf"], c["exp"] = now-200, now-200, now-31 }))},
		{"not valid yet", signRaw(t, key, claims(func(c map[string]any) { c["nbf"] = now + 31 }))},
		{"issued in the future", signRaw(t, key, claims(func(c map[string]any) { c["iat"], c["exp"] = now+60, now+120 }))},
		{"no expiry", signRaw(t, key, claims(func(c map[string]any) { delete(c, "exp") }))},
		{"no subject", signRaw(t, key, claims(func(c map[string]any) { delete(c, "sub") }))},
		{"valid for more than ten minutes", signRaw(t, key, claims(func(c map[string]any) { c["exp"] = now + 601 }))},
		{"two signatures' worth of dots", good + "." + parts[2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifier(t, g, clock)
			if _, err := v.Verify(context.Background(), good); err != nil {
				t.Fatalf("the good token fails: %v", err)
			}
			id, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %+v, %v; want ErrInvalid", id, err)
			}
		})
	}
}

func TestVerifyAllowsTheLeewayOnExpiry(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	v := verifier(t, newGateway(t, key), clock)
	tok := sign(t, key, clock, aud, nil)
	clock.Advance(signing.DefaultLifetime + DefaultLeeway)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrInvalid) {
		t.Fatalf("beyond the leeway: %v", err)
	}
}

func TestARefusedAlgorithmIsNeverAccepted(t *testing.T) {
	// A key set that lists an Ed25519 key as ES256 must not make an EdDSA
	// token verify under a verifier that allows only ES256.
	clock := clocktest.New(epoch)
	ed := edKey(t)
	v, err := NewVerifier(Config{JWKSURL: newGateway(t, ed).srv.URL, Audience: aud, Now: clock.Now, Algorithms: []jose.SignatureAlgorithm{jose.ES256}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), sign(t, ed, clock, aud, nil)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an EdDSA token passed an ES256-only verifier: %v", err)
	}
}

func TestUnknownKeyIDsRefetchAtMostOncePerInterval(t *testing.T) {
	clock := clocktest.New(epoch)
	k1, k2, k3 := newKey(t), newKey(t), newKey(t)
	g := newGateway(t, k1)
	v := verifier(t, g, clock)
	if _, err := v.Verify(context.Background(), sign(t, k1, clock, aud, nil)); err != nil {
		t.Fatal(err)
	}
	// The gateway rotates: k2 appears. A token signed by k2 makes the
	// verifier fetch again at once.
	g.set(func(g *gateway) { g.keys = append(g.keys, k2) })
	clock.Advance(DefaultRefetchInterval)
	if _, err := v.Verify(context.Background(), sign(t, k2, clock, aud, nil)); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if n := g.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	// Forged kids cannot make it fetch on every request.
	for range 5 {
		if _, err := v.Verify(context.Background(), sign(t, k3, clock, aud, nil)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown key: %v", err)
		}
	}
	if n := g.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after unknown key ids, want still 2", n)
	}
	clock.Advance(DefaultRefetchInterval)
	_, _ = v.Verify(context.Background(), sign(t, k3, clock, aud, nil))
	if n := g.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches after the interval, want 3", n)
	}
}

func TestTheKeySetIsCachedForItsMaxAge(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	g := newGateway(t, key)
	g.set(func(g *gateway) { g.cacheControl = "public, max-age=120" })
	v := verifier(t, g, clock)
	for range 3 {
		if _, err := v.Verify(context.Background(), sign(t, key, clock, aud, nil)); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(119 * time.Second)
	_, _ = v.Verify(context.Background(), sign(t, key, clock, aud, nil))
	if n := g.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches within max-age, want 1", n)
	}
	clock.Advance(time.Second)
	_, _ = v.Verify(context.Background(), sign(t, key, clock, aud, nil))
	if n := g.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after max-age, want 2", n)
	}
}

func TestAStaleKeySetIsUsedOnlyUpToTheLimit(t *testing.T) {
	clock := clocktest.New(epoch)
	key := newKey(t)
	g := newGateway(t, key)
	v := verifier(t, g, clock)
	if _, err := v.Verify(context.Background(), sign(t, key, clock, aud, nil)); err != nil {
		t.Fatal(err)
	}
	g.set(func(g *gateway) { g.down = true })
	clock.Advance(DefaultCacheLifetime + StaleLimit - time.Second)
	if _, err := v.Verify(context.Background(), sign(t, key, clock, aud, nil)); err != nil {
		t.Fatalf("within the stale limit: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := v.Verify(context.Background(), sign(t, key, clock, aud, nil)); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("beyond the stale limit: %v, want ErrKeysUnavailable", err)
	}
}

func TestNewVerifierRefusesUnsafeConfigurations(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no URL":       {Audience: aud},
		"relative URL": {JWKSURL: "/jwks.json", Audience: aud},
		"no audience":  {JWKSURL: "http://gw/jwks.json"},
		"HS256":        {JWKSURL: "http://gw/jwks.json", Audience: aud, Algorithms: []jose.SignatureAlgorithm{jose.HS256}},
		"none":         {JWKSURL: "http://gw/jwks.json", Audience: aud, Algorithms: []jose.SignatureAlgorithm{"none"}},
		"empty list":   {JWKSURL: "http://gw/jwks.json", Audience: aud, Algorithms: []jose.SignatureAlgorithm{}},
		"huge leeway":  {JWKSURL: "http://gw/jwks.json", Audience: aud, Leeway: time.Hour},
	} {
		if _, err := NewVerifier(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
