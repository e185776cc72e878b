package signing

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// instance is one gateway's Manager on the shared storage directory.
func instance(t *testing.T, dir string, clock *clocktest.Clock, sched Schedule) *Manager {
	t.Helper()
	m, err := NewManager(ManagerConfig{Storage: &certmagic.FileStorage{Path: dir}, Now: clock.Now, Schedule: sched})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func refresh(t *testing.T, m *Manager) *KeySet {
	t.Helper()
	set, err := m.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func ids(keys []*Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func stored(t *testing.T, dir string) state {
	t.Helper()
	data, err := (&certmagic.FileStorage{Path: dir}).Load(context.Background(), StorageKey)
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestNewManagerTouchesNoStorage(t *testing.T) {
	dir := t.TempDir()
	instance(t, dir, clocktest.New(t0), Schedule{})
	if (&certmagic.FileStorage{Path: dir}).Exists(context.Background(), StorageKey) {
		t.Fatal("building a Manager stored keys")
	}
}

func TestAFirstKeyIsCreatedOnceAndSharedByEveryInstance(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	first := refresh(t, instance(t, dir, clock, Schedule{}))
	if n := len(first.IDs()); n != 1 {
		t.Fatalf("first start: %d keys, want 1", n)
	}
	if first.Signing(t0).Algorithm != "ES256" {
		t.Fatalf("a generated key signs with %s, want ES256", first.Signing(t0).Algorithm)
	}
	// A restart, and a second instance sharing the storage, load the same key.
	for _, name := range []string{"restart", "second instance"} {
		again := refresh(t, instance(t, dir, clock, Schedule{}))
		if !slices.Equal(again.IDs(), first.IDs()) {
			t.Fatalf("%s: keys %v, want %v", name, again.IDs(), first.IDs())
		}
		j1, _ := first.JWKS(t0)
		j2, _ := again.JWKS(t0)
		if string(j1) != string(j2) {
			t.Fatalf("%s publishes another key set", name)
		}
	}
}

func TestInstancesStartingAtOnceCreateOneKey(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	const n = 4
	sets := make([]*KeySet, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		m := instance(t, dir, clock, Schedule{}) // each with its own FileStorage value
		wg.Go(func() {
			<-start
			sets[i], errs[i] = m.Refresh(context.Background())
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !slices.Equal(sets[i].IDs(), sets[0].IDs()) || len(sets[i].IDs()) != 1 {
			t.Fatalf("instance %d has keys %v, instance 0 %v", i, sets[i].IDs(), sets[0].IDs())
		}
	}
	if st := stored(t, dir); len(st.Keys) != 1 {
		t.Fatalf("storage holds %d keys, want 1", len(st.Keys))
	}
}

func TestRotationFollowsTheDocumentedTimeline(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	sched := Schedule{Rotate: 10 * 24 * time.Hour}
	a := instance(t, dir, clock, sched)
	b := instance(t, dir, clock, sched) // a second instance on the same storage
	k1 := refresh(t, a).Signing(t0).ID

	prepublishAt := t0.Add(sched.Rotate - Prepublish)
	rotateAt := t0.Add(sched.Rotate)
	unpublishAt := rotateAt.Add(Retain)

	// Just before the successor is due: nothing changes.
	clock.Set(prepublishAt.Add(-time.Second))
	if got := refresh(t, a).IDs(); !slices.Equal(got, []string{k1}) {
		t.Fatalf("before pre-publication: keys %v, want only %s", got, k1)
	}

	// Pre-publication: K2 is created and published; K1 still signs.
	clock.Set(prepublishAt)
	setB := refresh(t, b)
	if len(setB.IDs()) != 2 {
		t.Fatalf("at pre-publication: keys %v, want two", setB.IDs())
	}
	k2 := setB.IDs()[1]
	setA := refresh(t, a)
	if !slices.Equal(setA.IDs(), setB.IDs()) {
		t.Fatalf("the instances disagree: %v and %v", setA.IDs(), setB.IDs())
	}
	if got := ids(setA.Published(prepublishAt)); !slices.Equal(got, []string{k1, k2}) {
		t.Fatalf("published %v, want both keys", got)
	}
	if st := stored(t, dir); !st.Keys[1].SignsFrom.Equal(rotateAt) {
		t.Fatalf("K2 signs from %s, want %s", st.Keys[1].SignsFrom, rotateAt)
	}

	// K2 takes over at the stored instant, with no storage read.
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{prepublishAt, k1},
		{rotateAt.Add(-time.Nanosecond), k1},
		{rotateAt, k2},
		{rotateAt.Add(time.Hour), k2},
	} {
		for name, set := range map[string]*KeySet{"a": setA, "b": setB} {
			if got := set.Signing(tc.at).ID; got != tc.want {
				t.Errorf("instance %s at %s signs with %s, want %s", name, tc.at, got, tc.want)
			}
		}
	}

	// K1 stays published for Retain after its last signature.
	if got := ids(setA.Published(unpublishAt.Add(-time.Nanosecond))); !slices.Equal(got, []string{k1, k2}) {
		t.Errorf("just before the end of retention: published %v", got)
	}
	if got := ids(setA.Published(unpublishAt)); !slices.Equal(got, []string{k2}) {
		t.Errorf("after retention: published %v, want only K2", got)
	}

	// A refresh during retention keeps K1 in storage and published.
	clock.Set(unpublishAt.Add(-time.Second))
	if got := ids(refresh(t, b).Published(clock.Now())); !slices.Equal(got, []string{k1, k2}) {
		t.Fatalf("during retention, after a refresh: published %v, want both keys", got)
	}
	if st := stored(t, dir); len(st.Keys) != 2 {
		t.Fatalf("during retention the storage holds %v", st.IDsAndRotate())
	}

	// A refresh after retention deletes K1 from storage.
	clock.Set(unpublishAt.Add(time.Minute))
	if got := refresh(t, a).IDs(); !slices.Equal(got, []string{k2}) {
		t.Fatalf("after retention: keys %v, want only K2", got)
	}
	if st := stored(t, dir); len(st.Keys) != 1 || st.Keys[0].ID != k2 {
		t.Fatalf("storage holds %v", st.IDsAndRotate())
	}

	// The cycle repeats from K2's start.
	clock.Set(rotateAt.Add(sched.Rotate - Prepublish))
	if got := refresh(t, b).IDs(); len(got) != 2 || got[0] != k2 {
		t.Fatalf("second rotation: keys %v", got)
	}
}

func TestALateRotationStillPublishesTheSuccessorFirst(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	m := instance(t, dir, clock, Schedule{Rotate: 10 * 24 * time.Hour})
	k1 := refresh(t, m).IDs()[0]
	// No instance ran when the successor was due.
	late := t0.Add(30 * 24 * time.Hour)
	clock.Set(late)
	set := refresh(t, m)
	if len(set.IDs()) != 2 {
		t.Fatalf("keys %v, want a successor", set.IDs())
	}
	if got := set.Signing(late.Add(Prepublish - time.Nanosecond)).ID; got != k1 {
		t.Errorf("the successor signs before it was published for %s", Prepublish)
	}
	if got := set.Signing(late.Add(Prepublish)).ID; got == k1 {
		t.Errorf("the successor does not sign after pre-publication")
	}
}

func TestTheConfiguredRotationPeriodIsStoredForEveryInstance(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	refresh(t, instance(t, dir, clock, Schedule{}))
	if st := stored(t, dir); st.Rotate != DefaultRotate.String() {
		t.Fatalf("stored rotate %q, want the default %s", st.Rotate, DefaultRotate)
	}
	refresh(t, instance(t, dir, clock, Schedule{Rotate: 48 * time.Hour}))
	if st := stored(t, dir); st.Rotate != (48 * time.Hour).String() {
		t.Fatalf("stored rotate %q, want 48h", st.Rotate)
	}
	// An instance with no rotate of its own (the JWKS handler) follows the
	// stored period.
	clock.Set(t0.Add(48*time.Hour - Prepublish))
	if got := refresh(t, instance(t, dir, clock, Schedule{})).IDs(); len(got) != 2 {
		t.Fatalf("keys %v: the stored period of 48h was not followed", got)
	}
	// The new period counts from the instant the current key began signing.
	if st := stored(t, dir); !st.Keys[1].SignsFrom.Equal(t0.Add(48 * time.Hour)) {
		t.Fatalf("the successor signs from %s, want 48h after the first key began (%s)", st.Keys[1].SignsFrom, t0.Add(48*time.Hour))
	}
}

func TestBrokenStorageStateIsNeverOverwritten(t *testing.T) {
	dir := t.TempDir()
	fs := &certmagic.FileStorage{Path: dir}
	for _, data := range []string{"{not json", `{"version":2,"keys":[]}`, `{"version":1,"keys":[{"kid":"x"}]}`} {
		if err := fs.Store(context.Background(), StorageKey, []byte(data)); err != nil {
			t.Fatal(err)
		}
		m := instance(t, dir, clocktest.New(t0), Schedule{})
		if _, err := m.Refresh(context.Background()); err == nil {
			t.Fatalf("state %s was accepted", data)
		}
		if m.Keys() != nil {
			t.Fatal("a key set came out of a broken state")
		}
		got, _ := fs.Load(context.Background(), StorageKey)
		if string(got) != data {
			t.Fatalf("a broken state was overwritten with %s", got)
		}
	}
}

func TestAKeyThatDoesNotMatchItsIDIsRefused(t *testing.T) {
	dir := t.TempDir()
	clock := clocktest.New(t0)
	refresh(t, instance(t, dir, clock, Schedule{}))
	st := stored(t, dir)
	other := mustGenerate(t)
	pemBytes, _ := other.MarshalPEM()
	st.Keys[0].PrivateKey = string(pemBytes)
	data, _ := json.Marshal(st)
	_ = (&certmagic.FileStorage{Path: dir}).Store(context.Background(), StorageKey, data)
	if _, err := instance(t, dir, clock, Schedule{}).Refresh(context.Background()); err == nil {
		t.Fatal("a stored key under another key's id was accepted")
	}
}

func TestScheduleCheckKeepsTheTimelineGuarantees(t *testing.T) {
	tests := []struct {
		s  Schedule
		ok bool
	}{
		{Schedule{}, true},
		{Schedule{Rotate: 2 * time.Hour}, true},
		{Schedule{Rotate: 2*time.Hour - time.Second}, false},
		{Schedule{Rotate: -time.Hour}, false},
	}
	for _, tt := range tests {
		if err := tt.s.Check(); (err == nil) != tt.ok {
			t.Errorf("Check(%+v) = %v, want ok %v", tt.s, err, tt.ok)
		}
	}
	// Pre-publication and retention are fixed; they keep the guarantees
	// the package documentation states.
	if Prepublish < 2*CacheLifetime {
		t.Errorf("Prepublish %s is below twice the key set cache lifetime", Prepublish)
	}
	if Retain < MaxLifetime+CacheLifetime {
		t.Errorf("Retain %s is below the longest assertion lifetime plus the cache lifetime", Retain)
	}
	if MinRotate != 2*time.Hour {
		t.Errorf("MinRotate %s, want twice Prepublish (2h)", MinRotate)
	}
}

func TestAStoredRotationPeriodIsHeldToTheSameBound(t *testing.T) {
	for rotate, ok := range map[string]bool{
		"":         true,
		"2h0m0s":   true,
		"2160h":    true,
		"1h59m59s": false,
		"0s":       false,
		"-48h":     false,
		"soon":     false,
	} {
		st := state{Version: stateVersion, Rotate: rotate}
		if err := st.check(); (err == nil) != ok {
			t.Errorf("stored rotate %q: check = %v, want ok %v", rotate, err, ok)
		}
	}
}

func TestRefreshFailsWhenTheStorageFails(t *testing.T) {
	m, err := NewManager(ManagerConfig{Storage: failingStorage{&certmagic.FileStorage{Path: t.TempDir()}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Refresh(context.Background()); err == nil || m.Keys() != nil {
		t.Fatalf("Refresh = %v with a failing storage", err)
	}
}

type failingStorage struct{ *certmagic.FileStorage }

func (failingStorage) Load(context.Context, string) ([]byte, error) {
	return nil, errors.New("storage down")
}

func TestARefreshReusesTheKeysItAlreadyParsed(t *testing.T) {
	dir := t.TempDir()
	m := instance(t, dir, clocktest.New(t0), Schedule{})
	first := refresh(t, m).Signing(t0)
	if again := refresh(t, m).Signing(t0); again != first {
		t.Fatal("a second refresh parsed the same stored key again")
	}
}

// TestRunRereadsTheStateEveryInterval proves that an instance learns of a
// successor another instance created by its periodic re-read alone: its
// own clock says nothing is due, so any second key it holds was read.
func TestRunRereadsTheStateEveryInterval(t *testing.T) {
	dir := t.TempDir()
	sched := Schedule{Rotate: 10 * 24 * time.Hour}
	a := instance(t, dir, clocktest.New(t0), sched)
	k1 := refresh(t, a).IDs()[0]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx, 10*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// Another instance, at pre-publication time, stores the successor.
	b := instance(t, dir, clocktest.New(t0.Add(sched.Rotate-Prepublish)), sched)
	want := refresh(t, b).IDs()
	if len(want) != 2 || want[0] != k1 {
		t.Fatalf("the other instance stored %v", want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(a.Keys().IDs(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not re-read the state: keys %v, want %v", a.Keys().IDs(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
