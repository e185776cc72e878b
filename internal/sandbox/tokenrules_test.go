package sandbox

import (
	"testing"
	"time"
)

// TestShortTokenRulesIssueExtendAndRenew walks a token through shortened
// rules (10 s life, 3 s window, 4 s extension) and checks the state the
// sandbox reports after each getToken.
func TestShortTokenRulesIssueExtendAndRenew(t *testing.T) {
	s, clock := newTestServer(t, baseTime)
	if err := s.SetTokenRules(TokenRules{Lifetime: 10 * time.Second, Window: 3 * time.Second, Extension: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	issued := baseTime.Unix()
	var first string
	steps := []struct {
		name         string
		at           int64 // seconds after the first issue
		wantSame     bool
		wantUntil    int64 // expired_at minus the first issue time
		wantIssued   int64
		wantExtended int64
	}{
		{"new token for 10 s", 0, true, 10, 1, 0},
		{"same token with 4 s left", 6, true, 10, 1, 0},
		{"extended by 4 s with 3 s left", 7, true, 14, 1, 1},
		{"not again right after", 8, true, 14, 1, 1},
		{"extended in the new window", 13, true, 18, 1, 2},
		{"new token once expired", 18, false, 28, 2, 2},
	}
	for _, st := range steps {
		clock.Set(time.Unix(issued+st.at, 0))
		tok, exp := getToken(t, s)
		if first == "" {
			first = tok
		}
		if same := tok == first; same != st.wantSame {
			t.Errorf("%s: same token = %v, want %v", st.name, same, st.wantSame)
		}
		if exp-issued != st.wantUntil {
			t.Errorf("%s: expired_at = issue + %d, want issue + %d", st.name, exp-issued, st.wantUntil)
		}
		state := s.TokenState()
		if state.ExpiresAt.Unix() != exp || state.Issued != st.wantIssued || state.Extended != st.wantExtended {
			t.Errorf("%s: state %+v, want expiry %d, issued %d, extended %d", st.name, state, exp, st.wantIssued, st.wantExtended)
		}
	}
	s.Reset()
	if st := s.TokenState(); st != (TokenState{}) {
		t.Errorf("after Reset: %+v, want the zero state", st)
	}
}

func TestTokenRulesAreChecked(t *testing.T) {
	tests := []struct {
		name  string
		rules TokenRules
		ok    bool
	}{
		{"zero means i'mport's rules", TokenRules{}, true},
		{"short whole seconds", TokenRules{Lifetime: 5 * time.Second, Window: 2 * time.Second, Extension: 3 * time.Second}, true},
		{"fraction of a second", TokenRules{Lifetime: 1500 * time.Millisecond}, false},
		{"negative", TokenRules{Extension: -time.Second}, false},
		{"window as long as the lifetime", TokenRules{Lifetime: time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			if err := s.SetTokenRules(tt.rules); (err == nil) != tt.ok {
				t.Fatalf("SetTokenRules(%+v) = %v, want ok %v", tt.rules, err, tt.ok)
			}
		})
	}
}
