package portone

import (
	"strings"
	"testing"
)

func TestValidIDAcceptsOnlyTheAllowlistUpToMaxLength(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"identity-verification-39ecfa97", true},
		{"identity-verification-0b9d5a4e-8f9b-4c62-9d53-6f2c1f7e9a10", true}, // the guide's UUID form, 58 bytes
		{"identity-verification-V1StGXR8_Z5jdHi6B-myT", true},                // the nanoid form
		{"imp_429704826404", true},
		{"a", true},
		{"A-_z9", true},
		{strings.Repeat("x", MaxIDLength), true},
		{strings.Repeat("x", MaxIDLength+1), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a.b", false},
		{"a/b", false},
		{"../users", false},
		{"a%2Fb", false},
		{"a b", false},
		{" a", false},
		{"a?storeId=other", false},
		{"a#b", false},
		{"a&b", false},
		{"a+b", false},
		{"a:b", false},
		{"a@b", false},
		{"a~b", false},
		{"a\r\nX-Injected: 1", false},
		{"a\n", false},
		{"a\x00", false},
		{"a\t", false},
		{"본인인증", false},
		{"ａｂｃ", false}, // full-width letters
		{"١٢٣", false}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
		if got := ValidID([]byte(tt.id)); got != tt.want {
			t.Errorf("ValidID([]byte(%q)) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestClientNamesItselfAndUsesTheV2Grammar(t *testing.T) {
	c, err := New(Config{Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "portone" {
		t.Errorf("Name() = %q, want portone", c.Name())
	}
	if !c.ValidID([]byte("identity-verification-1")) || c.ValidID([]byte("a/b")) {
		t.Error("the client's ValidID differs from the package's")
	}
}
