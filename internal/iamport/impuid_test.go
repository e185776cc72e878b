package iamport

import (
	"strings"
	"testing"
)

func TestValidImpUIDAcceptsOnlyImpPrefixAndASCIIDigits(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"imp_429704826404", true},
		{"imp_1", true},
		{"imp_" + strings.Repeat("9", 28), true},  // 32 characters
		{"imp_" + strings.Repeat("9", 29), false}, // 33 characters
		{"imp_", false},
		{"", false},
		{"imp", false},
		{"IMP_1", false},
		{"Imp_1", false},
		{"imp-1", false},
		{"imp_12a", false},
		{"imp_abc", false},
		{"imp_1/../../users/getToken", false},
		{"imp_١٢٣", false}, // Arabic-Indic digits
		{"imp_１２３", false}, // full-width digits
		{"imp_1\r\nX-Injected: 1", false},
		{"imp_1\n", false},
		{"imp_1\x00", false},
		{" imp_1", false},
		{"imp_1 ", false},
		{"imp_%31", false},
		{"imp_1%2F", false},
		{"imp_1?x=1", false},
		{"imp_1#", false},
		{"imp_+1", false},
		{"imp_-1", false},
		{"imp_1.5", false},
	}
	for _, tt := range tests {
		if got := ValidImpUID(tt.id); got != tt.want {
			t.Errorf("ValidImpUID(%q) = %v, want %v", tt.id, got, tt.want)
		}
		if got := ValidImpUID([]byte(tt.id)); got != tt.want {
			t.Errorf("ValidImpUID([]byte(%q)) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
