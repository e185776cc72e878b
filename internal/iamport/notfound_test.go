package iamport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
)

const unknownID = "imp_100000000404"

// hits is a recorder that also counts negative-cache hits.
type hits struct {
	recorder
	n atomic.Int64
}

func (h *hits) ObserveNotFoundHit() { h.n.Add(1) }

// TestNotFoundIsRememberedForTheTTL: a second lookup of an id i'mport
// answered 404 for is answered "not found" without a call until the TTL
// has passed on the client's clock; then it is asked again.
func TestNotFoundIsRememberedForTheTTL(t *testing.T) {
	f := newFake(t)
	obs := &hits{}
	c, clock, _ := testClient(t, f, func(cfg *Config) { cfg.Observer = obs })
	steps := []struct {
		advance   time.Duration
		wantCalls int32
		wantHits  int64
	}{
		{0, 1, 0}, // first answer: a call, 404
		{0, 1, 1}, // at once: remembered
		{DefaultNotFoundTTL - time.Nanosecond, 1, 2}, // just before the TTL: still remembered
		{time.Nanosecond, 2, 2},                      // at the TTL: asked again
		{time.Second, 2, 3},                          // remembered again from the new answer
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		_, err := c.Lookup(context.Background(), unknownID)
		if !errors.Is(err, certification.ErrNotFound) {
			t.Fatalf("step %d: err %v, want ErrNotFound", i, err)
		}
		if got := f.certCalls.Load(); got != s.wantCalls {
			t.Fatalf("step %d: %d certification calls, want %d", i, got, s.wantCalls)
		}
		if got := obs.n.Load(); got != s.wantHits {
			t.Fatalf("step %d: %d cache hits, want %d", i, got, s.wantHits)
		}
	}
	// Another id is not affected, and a found id is never remembered.
	if _, err := c.Lookup(context.Background(), testID); err != nil {
		t.Fatalf("found id: %v", err)
	}
	if f.certCalls.Load() != 3 || f.tokenCalls.Load() != 1 {
		t.Fatalf("calls: cert %d token %d, want 3 and 1", f.certCalls.Load(), f.tokenCalls.Load())
	}
}

// TestOnlyNotFoundIsRemembered: every other answer, including an
// uncertified record (which may become certified) and transient failures,
// is asked again on the next lookup.
func TestOnlyNotFoundIsRemembered(t *testing.T) {
	uncertified := strings.Replace(danalRecord, `"certified":true`, `"certified":false`, 1)
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"uncertified record", 200, `{"code":0,"message":null,"response":` + uncertified + `}`},
		{"certified record", 200, `{"code":0,"message":null,"response":` + danalRecord + `}`},
		{"5xx", 503, `{"code":-1,"message":"x","response":null}`},
		{"business error", 200, `{"code":1,"message":"x","response":null}`},
		{"other 4xx", 400, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.cert = func(w http.ResponseWriter, _ *http.Request, _ int32) { writeJSON(w, tt.status, tt.body) }
			c, _, _ := testClient(t, f)
			for range 2 {
				_, _ = c.Lookup(context.Background(), testID)
			}
			calls := f.certCalls.Load()
			if tt.status == 503 {
				calls /= 2 // one retry per lookup
			}
			if calls != 2 || c.notFound.entries() != 0 {
				t.Fatalf("%d lookups reached i'mport (%d entries cached), want 2 and none", calls, c.notFound.entries())
			}
		})
	}
}

// TestNotFoundCacheIsBounded: the cache never holds more than its bound;
// when full, a new id is not remembered (it costs a call) until expired
// entries can be purged.
func TestNotFoundCacheIsBounded(t *testing.T) {
	f := newFake(t)
	c, clock, _ := testClient(t, f, func(cfg *Config) { cfg.NotFoundEntries = 3 })
	ids := []string{"imp_1001", "imp_1002", "imp_1003", "imp_1004", "imp_1005"}
	for _, id := range ids {
		_, _ = c.Lookup(context.Background(), id)
	}
	if n := c.notFound.entries(); n != 3 {
		t.Fatalf("%d entries, want the bound 3", n)
	}
	for _, id := range ids {
		_, _ = c.Lookup(context.Background(), id)
	}
	// The first three were remembered; the last two cost a call again.
	if got := f.certCalls.Load(); got != 7 {
		t.Fatalf("%d certification calls, want 5 + 2", got)
	}
	clock.Advance(DefaultNotFoundTTL)
	_, _ = c.Lookup(context.Background(), "imp_1006")
	if n := c.notFound.entries(); n != 1 {
		t.Fatalf("after the TTL: %d entries, want the expired ones purged and the new id kept", n)
	}
	_, _ = c.Lookup(context.Background(), "imp_1006")
	if got := f.certCalls.Load(); got != 8 {
		t.Fatalf("%d certification calls, want 8 (imp_1006 remembered)", got)
	}
}

// TestNotFoundCacheHoldsNoIDInClear: keys are a hash of the id.
func TestNotFoundCacheHoldsNoIDInClear(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f)
	_, _ = c.Lookup(context.Background(), unknownID)
	items := c.notFound.c.Items()
	if len(items) != 1 {
		t.Fatalf("%d entries, want 1", len(items))
	}
	for k := range items {
		if strings.Contains(k, unknownID) || strings.Contains(k, "100000000404") || len(k) != 16 {
			t.Fatalf("key %q is not a 16-byte hash of the id", k)
		}
	}
}

func TestNotFoundCacheCanBeTurnedOff(t *testing.T) {
	f := newFake(t)
	c, _, _ := testClient(t, f, func(cfg *Config) { cfg.NotFoundTTL = -1 })
	for range 3 {
		_, _ = c.Lookup(context.Background(), unknownID)
	}
	if got := f.certCalls.Load(); got != 3 {
		t.Fatalf("%d calls, want 3 with the cache off", got)
	}
}
