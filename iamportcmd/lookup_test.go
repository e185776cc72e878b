package iamportcmd_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// hmacHex is the CI hash computed here, independently of the gateway's code.
func hmacHex(key, ci string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ci))
	return hex.EncodeToString(m.Sum(nil))
}

// field returns the value of one "  name  value" line of lookup's output.
func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` +(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s line in:\n%s", name, out)
	}
	return m[1]
}

// personal returns the personal values of a sandbox record that masked
// output must not show.
func personal(rec map[string]any) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"name", "phone", "unique_key", "unique_in_site", "birthday"} {
		if v, ok := rec[k].(string); ok && v != "" {
			out[k] = v
		}
	}
	return out
}

func TestLookupPrintsTheMaskedRecordAndTheGatewaysDecision(t *testing.T) {
	g := startGateway(t)
	tests := []struct {
		name, id   string
		wantStatus int
		decision   string // prefix of the decision line
		hasRecord  bool
	}{
		{"adult passes", idAdult, 0, "verified (age ", true},
		{"hangul name passes", idHangul, 0, "verified (age ", true},
		{"minor under min_age 19", idMinor, 3, "underage (403): the minimum age is 19", true},
		{"unknown id", idUnknown, 3, "verification_not_found (403)", false},
		{"malformed id", "imp_12x", 3, "imp_uid_invalid (400)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "lookup", "--config", g.config, tt.id)
			if r.status != tt.wantStatus || (r.status == 0) != (r.err == nil) {
				t.Fatalf("status %d, err %v, want %d; stdout:\n%s", r.status, r.err, tt.wantStatus, r.stdout)
			}
			if !strings.HasPrefix(r.stdout, g.addr+" #1\n") || field(t, r.stdout, "id") != tt.id {
				t.Fatalf("stdout does not start with the handler and the id:\n%s", r.stdout)
			}
			if got := field(t, r.stdout, "decision"); !strings.HasPrefix(got, tt.decision) {
				t.Fatalf("decision %q, want %q...", got, tt.decision)
			}
			if !strings.Contains(field(t, r.stdout, "single use"), "never reserves") {
				t.Fatal("the output does not say single use was not consulted")
			}
			if r.stderr != "" {
				t.Fatalf("stderr without --reveal: %q", r.stderr)
			}
			assertNoSecret(t, r, g.key)
			if !tt.hasRecord {
				if strings.Contains(r.stdout, "ci_hash") {
					t.Fatalf("a record printed for a failed lookup:\n%s", r.stdout)
				}
				return
			}
			rec := g.sandboxRecord(t, tt.id)
			for k, v := range personal(rec) {
				if strings.Contains(r.stdout, v) {
					t.Errorf("masked output shows %s %q:\n%s", k, v, r.stdout)
				}
			}
			birthday := rec["birthday"].(string)
			if got := field(t, r.stdout, "birthday"); got != birthday[:4]+"-**-**" {
				t.Errorf("birthday %q, want the year only", got)
			}
			for _, k := range []string{"name", "phone"} {
				if got := field(t, r.stdout, k); !strings.Contains(got, "*") {
					t.Errorf("%s %q is not masked", k, got)
				}
			}
			ci := rec["unique_key"].(string)
			if got := field(t, r.stdout, "ci"); got != "(88 characters, masked)" || len(ci) != 88 {
				t.Errorf("ci %q for an 88-character CI", got)
			}
			if got := field(t, r.stdout, "ci_hash"); got != hmacHex(testCIKey, ci) {
				t.Errorf("ci_hash %q, want HMAC-SHA256 of the CI under the config's key", got)
			}
		})
	}
}

func TestLookupRevealShowsPersonalFieldsWithAWarning(t *testing.T) {
	g := startGateway(t)
	r := run(t, "", "lookup", "--config", g.config, "--reveal", idHangul)
	if r.status != 0 {
		t.Fatalf("status %d, err %v", r.status, r.err)
	}
	for k, v := range personal(g.sandboxRecord(t, idHangul)) {
		if !strings.Contains(r.stdout, v) {
			t.Errorf("--reveal does not show %s %q:\n%s", k, v, r.stdout)
		}
	}
	if !strings.HasPrefix(r.stderr, "WARNING: --reveal prints personal data") {
		t.Fatalf("stderr %q, want the warning", r.stderr)
	}
	if strings.Contains(r.stdout, "WARNING") {
		t.Fatal("the warning went to standard output, where it would mix with the data")
	}
	assertNoSecret(t, r, g.key)
}

// TestLookupNeverReservesTheID looks an id up twice, then signs up with it
// through the gateway: the signup passes (the lookups reserved nothing),
// carries the CI hash lookup printed, and a second signup is refused (the
// gateway's single-use store is on).
func TestLookupNeverReservesTheID(t *testing.T) {
	g := startGateway(t)
	_, certsBefore := g.sandboxStats(t)
	var hash string
	for i := 0; i < 2; i++ {
		r := run(t, "", "lookup", "--config", g.config, idAdult)
		if r.status != 0 || !strings.HasPrefix(field(t, r.stdout, "decision"), "verified") {
			t.Fatalf("lookup %d: status %d, stdout:\n%s", i+1, r.status, r.stdout)
		}
		hash = field(t, r.stdout, "ci_hash")
	}
	if _, certs := g.sandboxStats(t); certs != certsBefore+2 {
		t.Fatalf("certification calls went from %d to %d, want one per lookup", certsBefore, certs)
	}
	if status := g.signup(t, idAdult); status != http.StatusOK {
		t.Fatalf("signup after two lookups: status %d, want 200", status)
	}
	got := g.backend.headers()
	if len(got) != 1 || got[0].Get("X-Verified-CI-Hash") != hash {
		t.Fatalf("backend got %d requests, CI hash %q; lookup printed %q", len(got), got[0].Get("X-Verified-CI-Hash"), hash)
	}
	if status := g.signup(t, idAdult); status != http.StatusConflict {
		t.Fatalf("second signup: status %d, want 409 (single use)", status)
	}
}

func TestLookupNeedsExactlyOneID(t *testing.T) {
	g := startGateway(t)
	for _, args := range [][]string{{}, {idAdult, idMinor}} {
		r := run(t, "", append([]string{"lookup", "--config", g.config}, args...)...)
		if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), "exactly one argument") {
			t.Fatalf("lookup %v: status %d, err %v", args, r.status, r.err)
		}
	}
}
