package caddymodule

import (
	"context"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/redistest"
	"github.com/verigate/caddy-iamport/internal/singleuse"
)

// TestRedisStoresShareOneClientPerURL: a V1 and a V2 handler on one Redis
// URL hold one pooled client, each writing under its own prefix, and the
// client stays open until the last of them lets go.
func TestRedisStoresShareOneClientPerURL(t *testing.T) {
	rs := redistest.Start(t)
	ctx := context.Background()
	repl := caddy.NewReplacer()
	v1, ref1, err := loadStore(singleUseRedis, repl, rs.URL(), certification.SourceIamport)
	if err != nil {
		t.Fatal(err)
	}
	v2, ref2, err := loadStore(singleUseRedis, repl, rs.URL(), certification.SourcePortOne)
	if err != nil {
		t.Fatal(err)
	}
	if ref1 != ref2 {
		t.Fatalf("pool entries %q and %q, want one per URL", ref1.key, ref2.key)
	}
	if n, ok := stores.References(ref1.key); !ok || n != 2 {
		t.Fatalf("pooled client references %d (present %v), want 2", n, ok)
	}
	// One id in both: the prefixes keep them apart.
	for name, s := range map[string]singleuse.Store{"v1": v1, "v2": v2} {
		if ok, err := s.Reserve(ctx, "imp_shared", time.Minute); !ok || err != nil {
			t.Fatalf("%s Reserve = %v, %v; want true, nil", name, ok, err)
		}
	}
	if keys, err := rs.Client().Keys(ctx, "*").Result(); err != nil || len(keys) != 2 {
		t.Fatalf("keys %q, %v; want two", keys, err)
	}

	if err := ref1.release(); err != nil {
		t.Fatal(err)
	}
	if ok, err := v2.Reserve(ctx, "imp_after_v1", time.Minute); !ok || err != nil {
		t.Fatalf("V2 Reserve after the V1 handler let go = %v, %v; want true, nil", ok, err)
	}
	if err := ref2.release(); err != nil {
		t.Fatal(err)
	}
	if _, ok := stores.References(ref1.key); ok {
		t.Fatal("the client is still pooled after its last handler let go")
	}
	if _, err := v2.Reserve(ctx, "imp_after_all", time.Minute); err == nil {
		t.Fatal("Reserve after the last handler let go succeeded, want the closed client's error")
	}
}
