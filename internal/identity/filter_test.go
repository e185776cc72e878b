package identity

import (
	"net/http"
	"testing"
)

func TestNormalizeFoldsCaseUnderscoreAndDot(t *testing.T) {
	tests := []struct{ in, want string }{
		{"X-Verified-CI-Hash", "x-verified-ci-hash"},
		{"x_verified_ci_hash", "x-verified-ci-hash"},
		{"X.VERIFIED.DI", "x-verified-di"},
		{"already-normal", "already-normal"},
		{"", ""},
		{"Ünïcode_X", "Ünïcode-x"}, // only ASCII changes
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFilterMatchesVariantsOfThePrefix(t *testing.T) {
	f := NewFilter("X-Verified-")
	tests := []struct {
		name string
		want bool
	}{
		{"X-Verified-Ci-Hash", true},
		{"X-Verified-CI-Hash", true},
		{"x-verified-ci-hash", true},    // HTTP/2 spelling
		{"X-VERIFIED-DI", true},         // upper case
		{"X-Verified_CI-Hash", true},    // underscore (CVE-2025-64484)
		{"x_verified_ci_hash", true},    // all underscores
		{"X.Verified.Birth.Year", true}, // dots
		{"X-Verified-", true},           // the prefix itself
		{"X-Verified", false},           // the prefix minus its dash: not in the namespace
		{"X_Verified", false},           // same, underscore spelling
		{"X-Verifie", false},            // shorter
		{"Y-X-Verified-CI", false},      // contains the prefix later
		{"X-Verifiedx-CI", false},       // different character after the stem
		{"X-Verified\u00adCI", false},   // soft hyphen is not a dash
		{"", false},
	}
	for _, tt := range tests {
		if got := f.Matches(tt.name); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFilterWithEmptyPrefixMatchesNothing(t *testing.T) {
	for _, f := range []Filter{{}, NewFilter("")} {
		h := http.Header{"Cookie": {"a"}, "X-Verified-Di": {"x"}}
		if f.Matches("Cookie") || f.Strip(h) != 0 || len(h) != 2 {
			t.Error("an empty prefix matched a name")
		}
	}
}

func TestStripRemovesEverySpellingWithAllValues(t *testing.T) {
	h := http.Header{
		"X-Verified-Ci-Hash": {"forged", "second"},
		"x-verified_ci-hash": {"forged"},
		"X-VERIFIED.CI.HASH": {"forged"},
		"x_verified_di":      {"forged"},
		"X-Verified-Name":    {""},
		"X-Verified":         {"kept"},
		"Y-X-Verified-Ci":    {"kept"},
		"Content-Type":       {"application/json"},
		"Cookie":             {"a=b", "c=d"},
	}
	if n := NewFilter("X-Verified-").Strip(h); n != 5 {
		t.Errorf("Strip removed %d keys, want 5", n)
	}
	want := []string{"X-Verified", "Y-X-Verified-Ci", "Content-Type", "Cookie"}
	if len(h) != len(want) {
		t.Errorf("after Strip the header has %d keys, want %d: %v", len(h), len(want), h)
	}
	for _, k := range want {
		if _, ok := h[k]; !ok {
			t.Errorf("Strip removed unrelated key %q", k)
		}
	}
	if h.Get("Cookie") != "a=b" || len(h["Cookie"]) != 2 {
		t.Error("Strip changed an unrelated header's values")
	}
}

func TestMatchesAndStripDoNotAllocate(t *testing.T) {
	f := NewFilter("X-Verified-")
	h := browserHeaders()
	allocs := testing.AllocsPerRun(100, func() {
		if f.Matches("X-Verified_Ci-Hash") != true || f.Strip(h) != 0 {
			t.Fatal("unexpected result")
		}
	})
	if allocs != 0 {
		t.Errorf("Matches+Strip allocated %v times per run, want 0", allocs)
	}
}

// browserHeaders is a typical browser request's header set, none of it
// under the prefix.
func browserHeaders() http.Header {
	return http.Header{
		"Host":            {"example.com"},
		"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0"},
		"Accept":          {"application/json"},
		"Accept-Language": {"ko-KR,ko;q=0.9,en;q=0.8"},
		"Accept-Encoding": {"gzip, deflate, br, zstd"},
		"Content-Type":    {"application/json"},
		"Content-Length":  {"123"},
		"Origin":          {"https://example.com"},
		"Referer":         {"https://example.com/signup"},
		"Cookie":          {"session=abc; theme=dark"},
	}
}

func TestNameFilterMatchesOneNameInEverySpelling(t *testing.T) {
	f := NewNameFilter("X-Identity-Token")
	for name, want := range map[string]bool{
		"X-Identity-Token":   true,
		"x_identity.token":   true,
		"X.IDENTITY_TOKEN":   true,
		"X-Identity-Token-2": false,
		"X-Identity-Toke":    false,
		"X-Identity":         false,
		"Y-Identity-Token":   false,
	} {
		if got := f.Matches(name); got != want {
			t.Errorf("Matches(%q) = %v, want %v", name, got, want)
		}
	}
	h := http.Header{"X-Identity-Token": {"a"}, "x_identity_token": {"b"}, "X-Identity-Token-2": {"c"}}
	if n := f.Strip(h); n != 2 || len(h) != 1 || h.Get("X-Identity-Token-2") != "c" {
		t.Errorf("Strip removed %d, left %v", n, h)
	}
}
