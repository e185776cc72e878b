package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/lookuplimit"
)

func TestUnmarshalCaddyfileReadsThePortOneBlock(t *testing.T) {
	input := `iamport_verify {
	portone {
		api_secret {env.PORTONE_API_SECRET}
		store_id   {env.PORTONE_STORE_ID}
		api_base   https://api.portone.io
	}
	ci_hash_key {env.CI}
	min_age 19
}`
	var v Verify
	if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(v)
	want := `{"portone":{"api_secret":"{env.PORTONE_API_SECRET}","store_id":"{env.PORTONE_STORE_ID}","api_base":"https://api.portone.io"},"min_age":19,"ci_hash_key":"{env.CI}"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestUnmarshalCaddyfileRefusesBadPortOneConfig(t *testing.T) {
	const p = "\tportone {\n\t\tapi_secret s\n\t}\n\tci_hash_key c\n"
	cases := []struct {
		name, block, wantErr, wantLine string
	}{
		{"portone after api_key", "\tapi_key k\n" + p, "a portone block selects PortOne V2 as the only verification source", "Testfile:3"},
		{"api_secret after portone", p + "\tapi_secret s\n", "api_secret: a portone block selects", "Testfile:6"},
		{"api_base after portone", p + "\tapi_base https://api.iamport.kr\n", "api_base: a portone block selects", "Testfile:6"},
		{"missing api_secret", "\tportone {\n\t\tstore_id x\n\t}\n\tci_hash_key c\n", "portone: api_secret is required", "Testfile:4"},
		{"missing ci_hash_key", "\tportone {\n\t\tapi_secret s\n\t}\n", "ci_hash_key is required", ""},
		{"unknown subdirective", "\tportone {\n\t\tapi_key k\n\t}\n\tci_hash_key c\n", "portone: unrecognized subdirective: api_key", "Testfile:3"},
		{"repeated subdirective", "\tportone {\n\t\tapi_secret a\n\t\tapi_secret b\n\t}\n\tci_hash_key c\n", "portone: api_secret already specified", "Testfile:4"},
		{"two portone blocks", p + "\tportone {\n\t\tapi_secret t\n\t}\n", "portone already specified", "Testfile:6"},
		{"argument on portone", "\tportone x {\n\t\tapi_secret s\n\t}\n\tci_hash_key c\n", "wrong argument count", "Testfile:2"},
		{"api_secret without value", "\tportone {\n\t\tapi_secret\n\t}\n\tci_hash_key c\n", "wrong argument count", "Testfile:3"},
		{"bad api_base", "\tportone {\n\t\tapi_secret s\n\t\tapi_base ftp://x\n\t}\n\tci_hash_key c\n", "portone api_base", "Testfile:4"},
		{"api_base with credentials", "\tportone {\n\t\tapi_secret s\n\t\tapi_base https://u:hunter2@x\n\t}\n\tci_hash_key c\n", "user information", "Testfile:4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v Verify
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_verify {\n" + tc.block + "}"))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.wantLine) {
				t.Fatalf("error %v, want %q at %s", err, tc.wantErr, tc.wantLine)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q repeats a credential", err)
			}
		})
	}
}

func TestProvisionRefusesTwoSourcesAndDefaultsTheV2Field(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	for _, v := range []*Verify{
		{PortOne: &PortOneConfig{APISecret: "s"}, CIHashKey: "k", APIKey: "key"},
		{PortOne: &PortOneConfig{APISecret: "s"}, CIHashKey: "k", APISecret: "secret"},
		{PortOne: &PortOneConfig{APISecret: "s"}, CIHashKey: "k", APIBase: "https://api.portone.io"},
	} {
		if err := v.Provision(ctx); !errors.Is(err, errTwoSources) {
			t.Errorf("Provision(%+v) = %v, want the two-sources error", v, err)
		}
		_ = v.Cleanup()
	}
	for _, tc := range []struct {
		v     *Verify
		field string
		name  string
	}{
		{&Verify{PortOne: &PortOneConfig{APISecret: "s"}, CIHashKey: "k"}, "identityVerificationId", "portone"},
		{&Verify{PortOne: &PortOneConfig{APISecret: "s"}, CIHashKey: "k", Field: "ivid"}, "ivid", "portone"},
		{&Verify{APIKey: "a", APISecret: "s", CIHashKey: "k"}, "imp_uid", "iamport"},
	} {
		if err := tc.v.Provision(ctx); err != nil {
			t.Fatal(err)
		}
		if tc.v.extract.Field != tc.field || tc.v.source.Name() != tc.name {
			t.Errorf("field %q source %q, want %q %q", tc.v.extract.Field, tc.v.source.Name(), tc.field, tc.name)
		}
		if !tc.v.extract.ValidID([]byte("imp_1")) || tc.v.extract.ValidID([]byte("identity-verification-1")) != (tc.name == "portone") {
			t.Errorf("%s: extract does not use the source's id grammar", tc.name)
		}
		_ = tc.v.Cleanup()
	}
	for _, p := range []*PortOneConfig{{}, {APISecret: "{env.CADDY_IAMPORT_UNSET_SECRET}"}, {APISecret: "s", StoreID: "{env.CADDY_IAMPORT_UNSET_STORE}"},
		{APISecret: "s", APIBase: "http://"}} {
		v := &Verify{PortOne: p, CIHashKey: "k"}
		if err := v.Provision(ctx); err == nil || !strings.Contains(err.Error(), "portone") {
			t.Errorf("Provision with %+v = %v, want a portone error", p, err)
		}
		_ = v.Cleanup()
	}
}

// TestPortOneLookupsShareTheLookupConcurrencyCap proves the V2 source sits
// behind lookup_concurrency: with a cap of 1 and one lookup held at
// PortOne, a second lookup gets no slot and makes no call.
func TestPortOneLookupsShareTheLookupConcurrencyCap(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer fake.Close()
	defer close(release)

	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	v := &Verify{PortOne: &PortOneConfig{APISecret: "cap-test", APIBase: fake.URL}, CIHashKey: "k", LookupConcurrency: 1}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	defer v.Cleanup()
	// The limiter's refusal line goes out under the client's name: handing
	// the pooled client a logger, as the next config's handler would.
	core, logs := observer.New(zapcore.WarnLevel)
	_, ref, err := loadPortOneClient(fake.URL, "cap-test", "", 1, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.release()

	first, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _, _ = v.source.Lookup(first, "identity-verification-1") }()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond) // polling until the first call holds the slot
	}
	short, done := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer done()
	_, err = v.source.Lookup(short, "identity-verification-2")
	if !errors.Is(err, lookuplimit.ErrNoSlot) {
		t.Fatalf("second lookup: %v, want ErrNoSlot", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls to PortOne, want 1", n)
	}
	refused := logs.FilterMessage("lookups refused: no lookup slot came free in time").All()
	if len(refused) != 1 || refused[0].LoggerName != "portone" {
		t.Fatalf("limiter lines %+v, want one from the logger named portone", refused)
	}
}

// TestAPortOneLookupHoldsItsSlotThroughItsRetry proves the README's "a V2
// lookup holds its slot for the whole lookup, its one retry included":
// with lookup_concurrency 1, a second lookup that waits while the first
// one's call fails with a 503 does not get the slot between that call and
// its retry: PortOne sees the first id twice before the second id.
func TestAPortOneLookupHoldsItsSlotThroughItsRetry(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	secondWaits := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, path.Base(r.URL.Path))
		n := len(seen)
		mu.Unlock()
		if n == 1 {
			<-secondWaits // fail only once the second lookup is queued
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer fake.Close()

	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	v := &Verify{PortOne: &PortOneConfig{APISecret: "retry-slot-test", APIBase: fake.URL}, CIHashKey: "k", LookupConcurrency: 1}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	defer v.Cleanup()

	waiting := func() float64 { return testutil.ToFloat64(lookupsWaiting) }
	before := waiting()
	first := make(chan error, 1)
	go func() { _, err := v.source.Lookup(context.Background(), "identity-verification-1"); first <- err }()
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond) // polling until the first call is in flight
	}
	second := make(chan error, 1)
	go func() { _, err := v.source.Lookup(context.Background(), "identity-verification-2"); second <- err }()
	for waiting() < before+1 {
		time.Sleep(time.Millisecond) // polling until the second lookup waits for the slot
	}
	close(secondWaits)
	if err := <-first; !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("first lookup: %v, want unavailable after its retry", err)
	}
	if err := <-second; !errors.Is(err, certification.ErrUnavailable) {
		t.Fatalf("second lookup: %v, want unavailable", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"identity-verification-1", "identity-verification-1", "identity-verification-2", "identity-verification-2"}
	if !slices.Equal(seen, want) {
		t.Fatalf("PortOne saw %v, want %v: the retry kept the slot", seen, want)
	}
}
