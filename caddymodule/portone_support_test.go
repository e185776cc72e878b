package caddymodule_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/verigate/caddy-iamport/internal/sandboxtest"
)

// The sandbox's documented V2 test identities: the V1 identities under
// "identity-verification-" and the same digits, plus a V2-only one.
const (
	v2Adult            = "identity-verification-100000000001"
	v2Minor            = "identity-verification-100000000002"
	v219Today          = "identity-verification-100000000003"
	v219Tomorrow       = "identity-verification-100000000004"
	v2NotCertif        = "identity-verification-100000000005"
	v2Foreigner        = "identity-verification-100000000006"
	v2Stale            = "identity-verification-100000000007"
	v2NoCI             = "identity-verification-100000000008"
	v2NoDI             = "identity-verification-100000000009"
	v2Hangul           = "identity-verification-100000000010"
	v2ErrorAnswer      = "identity-verification-100000000011"
	v2ForeignerUnknown = "identity-verification-100000000012"
	v2Unknown          = "identity-verification-999999999999"
)

// v2SecretFor is the test's PortOne V2 API secret: per test, like keyFor,
// so that every test gets its own pooled V2 client and single-use store.
func v2SecretFor(t *testing.T) string { return "v2_" + keyFor(t) }

// v2StoreFor is the store id the test's sandbox accepts.
func v2StoreFor(t *testing.T) string { return "store-" + keyFor(t) }

// v2Body is a signup body carrying a V2 id in the default V2 field.
func v2Body(id string) string { return `{"identityVerificationId":"` + id + `"}` }

// sandboxV2Record fetches an identity verification straight from the
// sandbox, as an independent source of truth.
func sandboxV2Record(t *testing.T, id string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sandboxURL+"/identity-verifications/"+id+"?storeId="+v2StoreFor(t), nil)
	req.Header.Set("Authorization", "PortOne "+v2SecretFor(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sandbox V2 record %s: %d %v", id, resp.StatusCode, err)
	}
	return v
}

// v2Calls is the number of V2 identity verification calls the sandbox
// received.
func v2Calls(t *testing.T) int64 {
	t.Helper()
	return sandboxtest.Stats(t, sandboxURL).IdentityVerifications
}

// redisKeys lists every key in the Redis at addr.
func redisKeys(t *testing.T, addr string) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
