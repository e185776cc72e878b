package caddymodule

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// storageContext provisions a config whose storage is the directory dir,
// as a config load does.
func storageContext(t *testing.T, dir string) caddy.Context {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"module": "file_system", "root": dir})
	ctx, err := caddy.ProvisionContext(&caddy.Config{StorageRaw: raw})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func provisionAssertion(t *testing.T, ctx caddy.Context, rotate time.Duration) (*assertionSigner, error) {
	t.Helper()
	a := &Assertion{Audience: "https://app.example", Rotate: caddy.Duration(rotate)}
	return a.provision(ctx, "X-Verified-", zap.NewNop())
}

// TestHandlersOnOneStorageShareOneKeyManager proves that an iamport_verify
// assertion and an iamport_jwks of one config share one Manager (so one
// refresh and one parsed key set), that a reload gets it with its keys
// loaded, and that only the last handler to let go stops it.
func TestHandlersOnOneStorageShareOneKeyManager(t *testing.T) {
	dir := t.TempDir()
	ctx := storageContext(t, dir)
	signer, err := provisionAssertion(t, ctx, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	jwks := new(JWKS)
	if err := jwks.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if signer.keys.shared != jwks.keys.shared {
		t.Fatal("iamport_verify and iamport_jwks on one storage have a Manager each")
	}
	set, err := jwks.keys.keys(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := signer.keys.loaded(); got != set {
		t.Fatal("the assertion does not sign with the key set the JWKS loaded")
	}

	// A reload on the same directory (a new storage value) gets the same
	// Manager, keys loaded, and may change rotate.
	next := storageContext(t, dir)
	reloaded, err := provisionAssertion(t, next, 72*time.Hour)
	if err != nil {
		t.Fatalf("a reload changing rotate was refused: %v", err)
	}
	if reloaded.keys.shared != signer.keys.shared {
		t.Fatal("a reload built another Manager")
	}
	if reloaded.keys.loaded() != set {
		t.Fatal("a reload does not start with the loaded keys")
	}
	ref := signer.keys.ref
	signer.stop()
	_ = jwks.Cleanup()
	if n, ok := keyManagers.References(ref.key); !ok || n != 1 {
		t.Fatalf("after the old config's cleanup the Manager has %d holders (held %v), want 1", n, ok)
	}
	if reloaded.keys.shared.task.Wait(context.Background()) != nil {
		t.Fatal("the old config's cleanup stopped the new config's keys")
	}
	reloaded.stop()
	if _, ok := keyManagers.References(ref.key); ok {
		t.Fatal("the Manager outlived its last handler")
	}
}

func TestTwoRotatesOnOneStorageAreRefused(t *testing.T) {
	ctx := storageContext(t, t.TempDir())
	first, err := provisionAssertion(t, ctx, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer first.stop()
	same, err := provisionAssertion(t, ctx, 48*time.Hour)
	if err != nil {
		t.Fatalf("the same rotate twice was refused: %v", err)
	}
	defer same.stop()
	none, err := provisionAssertion(t, ctx, 0)
	if err != nil {
		t.Fatalf("an assertion without rotate was refused: %v", err)
	}
	defer none.stop()
	ref := first.keys.ref
	if _, err := provisionAssertion(t, ctx, 72*time.Hour); err == nil || !strings.Contains(err.Error(), "differs from the rotate 48h0m0s") {
		t.Fatalf("a second rotate on the same storage: err %v", err)
	}
	if n, _ := keyManagers.References(ref.key); n != 3 {
		t.Fatalf("the refused handler still holds the Manager: %d holders, want 3", n)
	}
	// A config on another storage is not concerned.
	other, err := provisionAssertion(t, storageContext(t, t.TempDir()), 72*time.Hour)
	if err != nil {
		t.Fatalf("another storage: %v", err)
	}
	other.stop()
}
