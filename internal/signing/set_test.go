package signing

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestJWKSFollowsTheEndOfRetentionOnTheSameSet proves that the encoded key
// set, which JWKS reuses between calls, changes exactly when a retired key's
// Retain period ends, whichever instant was asked first.
func TestJWKSFollowsTheEndOfRetentionOnTheSameSet(t *testing.T) {
	k1, k2 := mustGenerate(t), mustGenerate(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rotateAt := t0.Add(24 * time.Hour)
	unpublishAt := rotateAt.Add(Retain)
	set := &KeySet{entries: []entry{
		{key: k1, signsFrom: t0, unpublishAt: unpublishAt},
		{key: k2, signsFrom: rotateAt},
	}}
	both, onlyK2 := []string{k1.ID, k2.ID}, []string{k2.ID}
	for _, step := range []struct {
		at   time.Time
		want []string
	}{
		{t0, both},
		{unpublishAt.Add(-time.Nanosecond), both},
		{unpublishAt, onlyK2},
		{unpublishAt.Add(time.Hour), onlyK2},
		{unpublishAt.Add(-time.Second), both}, // a clock set back
		{unpublishAt.Add(time.Second), onlyK2},
	} {
		data, err := set.JWKS(step.at)
		if err != nil {
			t.Fatalf("JWKS at %s: %v", step.at, err)
		}
		var doc struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("JWKS at %s: %v", step.at, err)
		}
		var got []string
		for _, k := range doc.Keys {
			got = append(got, k.Kid)
		}
		if !slices.Equal(got, step.want) {
			t.Errorf("JWKS at %s publishes %v, want %v", step.at, got, step.want)
		}
	}
}
