package sandbox

import (
	"errors"
	"time"
)

// TokenRules are the token rules the sandbox applies. The zero value means
// i'mport's documented rules: TokenLifetime (30 minutes),
// TokenExtensionWindow (the last minute) and TokenExtension (5 minutes).
// Tests and benchmarks shorten them to see many extensions in little time.
type TokenRules struct {
	// Lifetime is how long a newly issued token stays valid.
	Lifetime time.Duration
	// Window is the final stretch of a token's life during which getToken
	// extends it.
	Window time.Duration
	// Extension is how much such a getToken extends the token by.
	Extension time.Duration
}

// withDefaults fills the zero fields with i'mport's rules.
func (r TokenRules) withDefaults() TokenRules {
	if r.Lifetime == 0 {
		r.Lifetime = TokenLifetime
	}
	if r.Window == 0 {
		r.Window = TokenExtensionWindow
	}
	if r.Extension == 0 {
		r.Extension = TokenExtension
	}
	return r
}

// SetTokenRules replaces the token rules. The durations must be whole
// seconds (the API speaks Unix seconds), not negative, and the window
// shorter than the lifetime. The active token keeps its expiry; the new
// rules apply from the next getToken.
func (s *Server) SetTokenRules(r TokenRules) error {
	r = r.withDefaults()
	for _, d := range []time.Duration{r.Lifetime, r.Window, r.Extension} {
		if d < time.Second || d%time.Second != 0 {
			return errors.New("sandbox token rules: durations must be whole seconds, at least one")
		}
	}
	if r.Window >= r.Lifetime {
		return errors.New("sandbox token rules: the window must be shorter than the lifetime")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = r
	return nil
}

// TokenState describes the active token and what getToken did so far.
type TokenState struct {
	// ExpiresAt is when the active token expires; zero when none was
	// issued.
	ExpiresAt time.Time
	// Issued counts the new tokens getToken issued, Extended the times it
	// extended the active one (since New or the last Reset).
	Issued, Extended int64
}

// TokenState returns the active token's expiry and the counts of issued
// and extended tokens.
func (s *Server) TokenState() TokenState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := TokenState{Issued: s.issued, Extended: s.extended}
	if s.token != "" {
		st.ExpiresAt = time.Unix(s.expiresAt, 0)
	}
	return st
}
