package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestDecodeStringResolvesEscapes(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`plain`, "plain"},
		{`\u0069mp_\u0031`, "imp_1"},
		{`\ud83d\ude00`, "\U0001F600"},
		{`\ud800x`, "\uFFFDx"},
		{`\ud800\u0041`, "\uFFFDA"},
		{`\"\\\/\b\f\n\r\t`, "\"\\/\b\f\n\r\t"},
	}
	for _, tt := range tests {
		var want string
		if err := json.Unmarshal([]byte(`"`+tt.raw+`"`), &want); err != nil || want != tt.want {
			t.Fatalf("test vector %q disagrees with encoding/json (%q, %v)", tt.raw, want, err)
		}
		if got := DecodeString(nil, []byte(tt.raw)); string(got) != tt.want {
			t.Errorf("DecodeString(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSkipPlainStopsAtEverySpecialByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 20; pos++ {
			b := bytes.Repeat([]byte{'a', 0xED, 0x9C, 0x7F}, 5) // ASCII, UTF-8 and DEL are plain
			b[pos] = byte(c)
			want := len(b)
			if c < 0x20 || c == '"' || c == '\\' {
				want = pos
			}
			for start := 0; start <= pos; start++ {
				if got := SkipPlain(b, start); got != want {
					t.Fatalf("skipPlain with byte %#x at %d from %d = %d, want %d", c, pos, start, got, want)
				}
			}
		}
	}
}
