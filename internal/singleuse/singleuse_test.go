package singleuse

import (
	"strings"
	"testing"
)

func TestKeyIsAFixedLengthDigestWithoutTheID(t *testing.T) {
	ids := []string{"imp_123456789012", "z", strings.Repeat("x", 1000), "홍길동"}
	seen := map[string]bool{}
	for _, id := range ids {
		k := Key(id)
		if len(k) != 32 {
			t.Errorf("len(Key(%.10q)) = %d, want 32", id, len(k))
		}
		if strings.Trim(k, "0123456789abcdef") != "" {
			t.Errorf("Key(%.10q) = %q, want lowercase hex", id, k)
		}
		if strings.Contains(k, id) || strings.Contains(k, "imp_") {
			t.Errorf("Key(%.10q) = %q carries the id", id, k)
		}
		if seen[k] {
			t.Errorf("Key(%.10q) = %q collides", id, k)
		}
		seen[k] = true
		if Key(id) != k {
			t.Errorf("Key(%.10q) is not stable", id)
		}
	}
	// SHA-256("abc") is the FIPS 180-2 test vector ba7816bf8f01cfea414140de5dae2223b003...
	if got, want := Key("abc"), "ba7816bf8f01cfea414140de5dae2223"; got != want {
		t.Errorf("Key(\"abc\") = %q, want %q", got, want)
	}
}
