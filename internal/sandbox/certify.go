package sandbox

import (
	"net/http"
	"strings"
)

const (
	msgUnauthorized = "인증되지 않은 요청입니다. access token이 없거나 유효하지 않습니다."
	msgNoCertResult = "인증결과가 존재하지 않습니다."
	msgAPIError     = "본인인증 결과를 조회하는 중 오류가 발생했습니다. (sandbox identity api_error)"
)

// serveCertification answers GET /certifications/{imp_uid}.
func (s *Server) serveCertification(w http.ResponseWriter, r *http.Request, id string) {
	if f, ok := s.takeFault(EndpointCertification); ok && !slowDown(r, f) {
		s.answerFault(w, r, f)
		return
	}
	now := s.now()
	if !s.validToken(requestToken(r), now) {
		writeUnauthorized(w)
		return
	}
	c, f, ok := s.mintedCertification(id, now)
	if !ok {
		c, f, ok = certificationFor(id, now)
	}
	if f.Label == "api_error" {
		writeEnvelope(w, http.StatusOK, 1, msgAPIError, nil)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, msgNoCertResult)
		return
	}
	writeEnvelope(w, http.StatusOK, 0, "", c)
}

// requestToken returns the access token r carries, in any of the three
// forms the real API accepts: "Authorization: Bearer <t>",
// "Authorization: <t>" or "X-ImpTokenHeader: <t>". A non-empty
// Authorization header wins over X-ImpTokenHeader.
func requestToken(r *http.Request) string {
	if a := strings.TrimSpace(r.Header.Get("Authorization")); a != "" {
		if scheme, rest, ok := strings.Cut(a, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest)
		}
		return a
	}
	return strings.TrimSpace(r.Header.Get("X-ImpTokenHeader"))
}

// writeUnauthorized answers 401 for a missing, unknown, expired or revoked
// access token.
func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeError(w, http.StatusUnauthorized, msgUnauthorized)
}
