package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// Token rules of the real API, as documented by PortOne.
const (
	// TokenLifetime is how long a newly issued access token stays valid.
	TokenLifetime = 30 * time.Minute
	// TokenExtensionWindow is the final stretch of a token's life during
	// which asking for a token again extends it.
	TokenExtensionWindow = time.Minute
	// TokenExtension is how much such a request extends the token by.
	TokenExtension = 5 * time.Minute
)

// maxBodyBytes bounds the getToken request body.
const maxBodyBytes = 64 << 10

const msgBadCredentials = "imp_key, imp_secret 인증에 실패했습니다."

// tokenAnswer is the response member of a successful getToken answer.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	Now         int64  `json:"now"`
	ExpiredAt   int64  `json:"expired_at"`
}

// credentials are the fields of a getToken request.
type credentials struct {
	Key    string `json:"imp_key"`
	Secret string `json:"imp_secret"`
}

// serveGetToken answers POST /users/getToken.
func (s *Server) serveGetToken(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(EndpointToken); ok && !slowDown(r, f) {
		s.answerFault(w, r, f)
		return
	}
	c, err := readCredentials(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "요청 본문을 해석할 수 없습니다: "+err.Error())
		return
	}
	if !s.validCredentials(c) {
		writeError(w, http.StatusUnauthorized, msgBadCredentials)
		return
	}
	ans, err := s.issueToken(s.now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeEnvelope(w, http.StatusOK, 0, "", ans)
}

// readCredentials decodes imp_key and imp_secret from a form body when the
// request says application/x-www-form-urlencoded, and from a JSON body
// otherwise. An empty body yields empty credentials.
func readCredentials(w http.ResponseWriter, r *http.Request) (credentials, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return credentials{}, fmt.Errorf("reading form body: %w", err)
		}
		return credentials{Key: r.PostForm.Get("imp_key"), Secret: r.PostForm.Get("imp_secret")}, nil
	}
	var c credentials
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return credentials{}, fmt.Errorf("decoding json body: %w", err)
	}
	return c, nil
}

// validCredentials reports whether c names the configured key and secret.
func (s *Server) validCredentials(c credentials) bool {
	keyOK := subtle.ConstantTimeCompare([]byte(c.Key), []byte(s.key)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(c.Secret), []byte(s.secret)) == 1
	return keyOK && secretOK
}

// issueToken applies the token rules (s.rules, i'mport's by default) at
// now: it returns the active token while it is valid, extends it by
// TokenExtension when at most TokenExtensionWindow of its life remains
// (each such request extends it again), and issues a new token once it has
// expired.
func (s *Server) issueToken(now time.Time) (tokenAnswer, error) {
	nowS := now.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.token == "" || nowS >= s.expiresAt:
		t, err := newToken()
		if err != nil {
			return tokenAnswer{}, err
		}
		s.token, s.expiresAt = t, nowS+int64(s.rules.Lifetime/time.Second)
		s.issued++
	case s.expiresAt-nowS <= int64(s.rules.Window/time.Second):
		s.expiresAt += int64(s.rules.Extension / time.Second)
		s.extended++
	}
	return tokenAnswer{AccessToken: s.token, Now: nowS, ExpiredAt: s.expiresAt}, nil
}

// validToken reports whether t is the active token and has not expired at
// now. A token is valid up to, but not including, its expired_at second.
func (s *Server) validToken(t string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1 && now.Unix() < s.expiresAt
}

// revokeToken invalidates t if it is the active token, so that the next
// getToken issues a new one.
func (s *Server) revokeToken(t string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && t == s.token {
		s.token, s.expiresAt = "", 0
	}
}

// newToken returns 40 random lowercase hexadecimal characters, the shape of
// the real API's tokens.
func newToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating access token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
