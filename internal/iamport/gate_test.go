package iamport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// countingGate is a Gate with unlimited slots that counts those held, or
// refuses every Acquire when refuse is set.
type countingGate struct {
	held, acquired atomic.Int32
	refuse         bool
	capacity       int
}

var errGateBusy = fmt.Errorf("no slot: %w", certification.ErrUnavailable)

func (g *countingGate) Acquire(context.Context) (func(), error) {
	if g.refuse {
		return nil, errGateBusy
	}
	g.held.Add(1)
	g.acquired.Add(1)
	return func() { g.held.Add(-1) }, nil
}

func (g *countingGate) Cap() int { return g.capacity }

// TestGateIsHeldAroundCertificationCallsOnly: each certification call,
// retries included, holds one slot; getToken calls (the first one and the
// one after a 401) never do.
func TestGateIsHeldAroundCertificationCallsOnly(t *testing.T) {
	f := newFake(t)
	g := &countingGate{}
	var tokenWhileHeld, certWithoutSlot atomic.Int32
	base := statusSeq(f, 401, 503, 200)
	f.token = func(w http.ResponseWriter, r *http.Request, n int32) {
		if g.held.Load() != 0 {
			tokenWhileHeld.Add(1)
		}
		f.defaultToken(w, r, n)
	}
	f.cert = func(w http.ResponseWriter, r *http.Request, n int32) {
		if g.held.Load() != 1 {
			certWithoutSlot.Add(1)
		}
		base(w, r, n)
	}
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.Gate = g })
	if _, err := c.Lookup(context.Background(), testID); err != nil {
		t.Fatal(err)
	}
	if f.tokenCalls.Load() != 2 || f.certCalls.Load() != 3 {
		t.Fatalf("calls: token %d cert %d, want 2 and 3", f.tokenCalls.Load(), f.certCalls.Load())
	}
	if tokenWhileHeld.Load() != 0 || certWithoutSlot.Load() != 0 {
		t.Fatalf("%d getToken calls made holding a slot, %d certification calls without exactly one", tokenWhileHeld.Load(), certWithoutSlot.Load())
	}
	if g.acquired.Load() != 3 || g.held.Load() != 0 {
		t.Fatalf("acquired %d, still held %d; want 3 and 0", g.acquired.Load(), g.held.Load())
	}
}

// TestGateRefusalMakesNoCertificationCall: a lookup refused a slot ends
// with the gate's error (unavailable), without calling i'mport for it.
func TestGateRefusalMakesNoCertificationCall(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.Gate = &countingGate{refuse: true} })
	_, err := c.Lookup(context.Background(), testID)
	if !errors.Is(err, errGateBusy) || !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("err %v, want the gate's refusal", err)
	}
	if f.certCalls.Load() != 0 {
		t.Fatalf("%d certification calls without a slot", f.certCalls.Load())
	}
}

// TestNegativeCacheHitTakesNoSlot: a remembered 404 needs no slot.
func TestNegativeCacheHitTakesNoSlot(t *testing.T) {
	f := newFake(t)
	g := &countingGate{}
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.Gate = g })
	for range 3 {
		_, _ = c.Lookup(context.Background(), unknownID)
	}
	if g.acquired.Load() != 1 || f.certCalls.Load() != 1 {
		t.Fatalf("acquired %d, calls %d; want 1 and 1", g.acquired.Load(), f.certCalls.Load())
	}
}

func TestIdleConnectionsFollowTheGate(t *testing.T) {
	for _, tt := range []struct{ capacity, want int }{{0, 32}, {8, 32}, {64, 64}, {500, 500}} {
		var g Gate
		if tt.capacity > 0 {
			g = &countingGate{capacity: tt.capacity}
		}
		c, err := New(Config{Key: "k", Secret: "s", Gate: g})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.hc.Transport.(*http.Transport).MaxIdleConnsPerHost; got != tt.want {
			t.Errorf("gate of %d slots: %d idle connections per host, want %d", tt.capacity, got, tt.want)
		}
	}
}
