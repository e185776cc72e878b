package extract

import (
	"strings"
	"testing"
)

func TestValidIDAcceptsOnlyImpPrefixAndASCIIDigits(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"imp_1", true},
		{"imp_123456789012", true},
		{"imp_" + strings.Repeat("9", 28), true},
		{"imp_" + strings.Repeat("9", 29), false}, // 33 characters
		{"imp_", false},
		{"", false},
		{"IMP_123", false},
		{"Imp_123", false},
		{"imp-123", false},
		{"imp_12a", false},
		{"imp_1/../../users/getToken", false},
		{"imp_١٢٣", false}, // Arabic-Indic digits
		{"imp_１２３", false}, // full-width digits
		{"imp_123\r\nX-A: b", false},
		{"imp_123\x00", false},
		{" imp_123", false},
		{"imp_123 ", false},
		{"imp_%31", false},
		{"imp_+1", false},
		{"imp_-1", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
