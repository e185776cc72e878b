package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

func TestHashCIIsLowercaseHexHMACSHA256(t *testing.T) {
	tests := []struct{ key, ci, want string }{
		// Derived once with: printf %s 'ci' | openssl dgst -sha256 -hmac 'key'
		{"key", "ci", "b6761f889b6b5fdb08a99e40aebe72a62a3f2f667ad0b068ed0adc3c8353e615"},
		// printf %s 'CI-VALUE-88/ab+cd==' | openssl dgst -sha256 -hmac 'k3y-for-ci'
		{"k3y-for-ci", "CI-VALUE-88/ab+cd==", "ff9d38a111ca5fb47fd226a96a380bae119760149a266de45377ccb78864401d"},
	}
	for _, tt := range tests {
		if got := HashCI([]byte(tt.key), tt.ci); got != tt.want {
			t.Errorf("HashCI(%q, %q) = %s, want %s", tt.key, tt.ci, got, tt.want)
		}
	}
}

func TestHashCIMatchesCryptoHMAC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, ci := range []string{"", "a", "유니코드 CI", "x+y/z=="} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(ci))
		want := hex.EncodeToString(m.Sum(nil))
		if got := HashCI(key, ci); got != want {
			t.Errorf("HashCI(%q) = %s, want %s", ci, got, want)
		}
	}
}

func TestHashCIDependsOnTheKey(t *testing.T) {
	if HashCI([]byte("k1"), "ci") == HashCI([]byte("k2"), "ci") {
		t.Error("different keys gave the same hash")
	}
}

// TestCIHasherGivesHashCIEvenWhenReused proves that a reused keyed state
// starts afresh: the same hasher, used for several CIs in turn, from
// several goroutines, gives what HashCI gives for each, and never the hash
// of one CI for another; and that changing the caller's key slice later
// changes nothing.
func TestCIHasherGivesHashCIEvenWhenReused(t *testing.T) {
	key := []byte("k3y-for-ci")
	h := NewCIHasher(key)
	cis := []string{"CI-VALUE-88/ab+cd==", "", "유니코드 CI", "CI-VALUE-88/ab+cd==", "x"}
	want := make([]string, len(cis))
	for i, ci := range cis {
		want[i] = HashCI(key, ci)
	}
	key[0] = 'X'
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for round := 0; round < 50; round++ {
				for i, ci := range cis {
					if got := h.Hash(ci); got != want[i] {
						done <- fmt.Errorf("Hash(%q) = %s, want %s", ci, got, want[i])
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := h.Hash("CI-VALUE-88/ab+cd=="); got != "ff9d38a111ca5fb47fd226a96a380bae119760149a266de45377ccb78864401d" {
		t.Fatalf("Hash = %s, want the openssl vector", got)
	}
}
