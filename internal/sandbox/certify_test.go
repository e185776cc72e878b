package sandbox

import (
	"net/http"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

func TestCertificationAcceptsEveryTokenForm(t *testing.T) {
	tests := []struct {
		name   string
		header func(tok string) map[string]string
		want   int
	}{
		{"authorization bearer", func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }, http.StatusOK},
		{"authorization lowercase bearer", func(tok string) map[string]string { return map[string]string{"Authorization": "bearer " + tok} }, http.StatusOK},
		{"authorization bare token", func(tok string) map[string]string { return map[string]string{"Authorization": tok} }, http.StatusOK},
		{"x-imptokenheader", func(tok string) map[string]string { return map[string]string{"X-ImpTokenHeader": tok} }, http.StatusOK},
		{"authorization wins over a wrong x-imptokenheader", func(tok string) map[string]string {
			return map[string]string{"Authorization": tok, "X-ImpTokenHeader": "wrong"}
		}, http.StatusOK},
		{"a wrong authorization wins over x-imptokenheader", func(tok string) map[string]string {
			return map[string]string{"Authorization": "Bearer wrong", "X-ImpTokenHeader": tok}
		}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			tok, _ := getToken(t, s)
			r := do(t, s, http.MethodGet, "/certifications/"+AdultID, "", tt.header(tok))
			if r.status != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tt.want, r.body)
			}
		})
	}
}

func TestCertificationRefusesMissingUnknownAndExpiredTokens(t *testing.T) {
	tests := []struct {
		name   string
		header func(s *Server, clock *clocktest.Clock) map[string]string
	}{
		{"missing", func(*Server, *clocktest.Clock) map[string]string { return nil }},
		{"empty bearer", func(*Server, *clocktest.Clock) map[string]string {
			return map[string]string{"Authorization": "Bearer "}
		}},
		{"unknown", func(*Server, *clocktest.Clock) map[string]string {
			return map[string]string{"Authorization": "Bearer 0000000000000000000000000000000000000000"}
		}},
		{"expired", func(s *Server, clock *clocktest.Clock) map[string]string {
			tok, _ := getToken(t, s)
			clock.Advance(TokenLifetime)
			return map[string]string{"Authorization": "Bearer " + tok}
		}},
		{"revoked by reset", func(s *Server, _ *clocktest.Clock) map[string]string {
			tok, _ := getToken(t, s)
			s.Reset()
			return map[string]string{"X-ImpTokenHeader": tok}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestServer(t, baseTime)
			r := do(t, s, http.MethodGet, "/certifications/"+AdultID, "", tt.header(s, clock))
			wantEnvelopeError(t, r, http.StatusUnauthorized, "-1")
			if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate = %q, want Bearer", got)
			}
		})
	}
}

func TestTokenIsValidUntilItsExpiredAtSecond(t *testing.T) {
	s, clock := newTestServer(t, baseTime)
	tok, exp := getToken(t, s)
	clock.Set(time.Unix(exp-1, 999_999_999))
	if r := certify(t, s, tok, AdultID); r.status != http.StatusOK {
		t.Errorf("just before expired_at: status %d, want 200", r.status)
	}
	clock.Set(time.Unix(exp, 0))
	if r := certify(t, s, tok, AdultID); r.status != http.StatusUnauthorized {
		t.Errorf("at expired_at: status %d, want 401", r.status)
	}
}

func TestUnknownCertificationAnswers404Envelope(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	r := certify(t, s, tok, "imp_999999999999")
	want := `{"code":-1,"message":"인증결과가 존재하지 않습니다.","response":null}`
	if r.status != http.StatusNotFound || r.body != want {
		t.Errorf("got %d %s, want 404 %s", r.status, r.body, want)
	}
}

func TestAPIErrorIdentityAnswersCodeOneWithStatus200(t *testing.T) {
	s, _ := newTestServer(t, baseTime)
	tok, _ := getToken(t, s)
	r := certify(t, s, tok, APIErrorID)
	wantEnvelopeError(t, r, http.StatusOK, "1")
	if r.message == nil {
		t.Error("message is null, want an explanation")
	}
}

func TestUnknownRoutesAndMethodsAnswerWithEnvelope(t *testing.T) {
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantAllow          string
	}{
		{"unknown path", http.MethodGet, "/payments/imp_1", http.StatusNotFound, ""},
		{"root", http.MethodGet, "/", http.StatusNotFound, ""},
		{"certification without id", http.MethodGet, "/certifications/", http.StatusNotFound, ""},
		{"certification sub path", http.MethodGet, "/certifications/" + AdultID + "/x", http.StatusNotFound, ""},
		{"getToken with get", http.MethodGet, "/users/getToken", http.StatusMethodNotAllowed, "POST"},
		{"certification with post", http.MethodPost, "/certifications/" + AdultID, http.StatusMethodNotAllowed, "GET"},
		{"stats with post", http.MethodPost, "/__sandbox/stats", http.StatusMethodNotAllowed, "GET"},
		{"reset with get", http.MethodGet, "/__sandbox/reset", http.StatusMethodNotAllowed, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, baseTime)
			r := do(t, s, tt.method, tt.path, "", nil)
			wantEnvelopeError(t, r, tt.wantStatus, "-1")
			if got := r.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
		})
	}
}
