package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
