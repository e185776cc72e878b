package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestGetTokenIssuesFortyHexTokenForThirtyMinutes(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	r := do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader)
	if r.status != http.StatusOK || r.code != "0" || r.message != nil {
		t.Fatalf("status %d code %s message %v, want 200, 0, null", r.status, r.code, r.message)
	}
	if got := r.header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type = %q, want %q", got, contentType)
	}
	if tok, _ := r.resp["access_token"].(string); !hex40.MatchString(tok) {
		t.Errorf("access_token = %q, want 40 lowercase hex characters", tok)
	}
	for key, want := range map[string]string{"now": "1781492400", "expired_at": "1781494200"} {
		if got := r.resp[key]; got != json.Number(want) {
			t.Errorf("%s = %v, want integer %s", key, got, want)
		}
	}
}

func TestGetTokenReusesExtendsAndRenewsTheToken(t *testing.T) {
	s, clock := newTestServer(t, baseTime)
	first, exp := getToken(t, s)
	issued := baseTime.Unix()
	if exp != issued+1800 {
		t.Fatalf("expired_at = %d, want issue time + 1800", exp)
	}
	steps := []struct {
		name      string
		at        int64 // seconds after issue
		wantSame  bool
		wantUntil int64 // expired_at minus issue time
	}{
		{"same token while valid", 1, true, 1800},
		{"no extension with 61 s left", 1739, true, 1800},
		{"extension by 300 s with 60 s left", 1740, true, 2100},
		{"no second extension right after", 1741, true, 2100},
		{"extended again in the new last minute", 2059, true, 2400},
		{"new token once expired", 2400, false, 2400 + 1800},
	}
	for _, st := range steps {
		clock.Set(time.Unix(issued+st.at, 0))
		tok, exp := getToken(t, s)
		if same := tok == first; same != st.wantSame {
			t.Errorf("%s: same token = %v, want %v", st.name, same, st.wantSame)
		}
		if exp-issued != st.wantUntil {
			t.Errorf("%s: expired_at = issue + %d, want issue + %d", st.name, exp-issued, st.wantUntil)
		}
	}
}

func TestGetTokenChecksCredentials(t *testing.T) {
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name       string
		body       string
		header     map[string]string
		wantStatus int
	}{
		{"json valid", validJSONCreds, jsonHeader, http.StatusOK},
		{"json valid without content type", validJSONCreds, nil, http.StatusOK},
		{"json valid with charset", validJSONCreds, map[string]string{"Content-Type": "application/json; charset=utf-8"}, http.StatusOK},
		{"form valid", "imp_key=sandbox_key&imp_secret=sandbox_secret", form, http.StatusOK},
		{"json wrong secret", `{"imp_key":"sandbox_key","imp_secret":"nope"}`, jsonHeader, http.StatusUnauthorized},
		{"json wrong key", `{"imp_key":"other","imp_secret":"sandbox_secret"}`, jsonHeader, http.StatusUnauthorized},
		{"json missing secret", `{"imp_key":"sandbox_key"}`, jsonHeader, http.StatusUnauthorized},
		{"empty body", "", jsonHeader, http.StatusUnauthorized},
		{"form wrong secret", "imp_key=sandbox_key&imp_secret=nope", form, http.StatusUnauthorized},
		{"form missing key", "imp_secret=sandbox_secret", form, http.StatusUnauthorized},
		{"malformed json", `{"imp_key":`, jsonHeader, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			r := do(t, s, http.MethodPost, "/users/getToken", tt.body, tt.header)
			if tt.wantStatus == http.StatusOK {
				if r.status != http.StatusOK || r.code != "0" {
					t.Fatalf("status %d body %s, want a token", r.status, r.body)
				}
				return
			}
			wantEnvelopeError(t, r, tt.wantStatus, "-1")
			if r.message == nil {
				t.Error("message is null, want an explanation")
			}
		})
	}
}

func TestGetTokenAcceptsConfiguredCredentialsOnly(t *testing.T) {
	s := New(Config{APIKey: "k", APISecret: "s", Now: func() time.Time { return baseTime }})
	if r := do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader); r.status != http.StatusUnauthorized {
		t.Errorf("default credentials: status %d, want 401", r.status)
	}
	if r := do(t, s, http.MethodPost, "/users/getToken", `{"imp_key":"k","imp_secret":"s"}`, jsonHeader); r.status != http.StatusOK {
		t.Errorf("configured credentials: status %d, want 200", r.status)
	}
}

func TestConcurrentGetTokenCallsShareOneToken(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	const n = 50
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { tokens[i], _ = getToken(t, s) })
	}
	wg.Wait()
	for i, tok := range tokens {
		if tok != tokens[0] {
			t.Fatalf("call %d got token %q, call 0 got %q", i, tok, tokens[0])
		}
	}
	if got := s.Stats().GetToken; got != n {
		t.Errorf("Stats().GetToken = %d, want %d", got, n)
	}
}
