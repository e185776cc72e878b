package policy

import "testing"

func TestParseForeigners(t *testing.T) {
	tests := []struct {
		in       string
		wantDeny bool
		wantErr  bool
	}{
		{"allow", false, false},
		{"deny", true, false},
		{"", false, true},
		{"Deny", false, true},
		{"deny ", false, true},
		{"refuse", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			deny, err := ParseForeigners(tt.in)
			if (err != nil) != tt.wantErr || deny != tt.wantDeny {
				t.Fatalf("ParseForeigners(%q) = %v, %v; want %v, error %v", tt.in, deny, err, tt.wantDeny, tt.wantErr)
			}
		})
	}
}
