package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

// Default V2 credentials when Config leaves them empty.
const (
	// DefaultPortOneSecret is the V2 API secret the sandbox accepts.
	DefaultPortOneSecret = "sandbox_portone_secret"
	// DefaultPortOneStoreID is the one store the sandbox's secret may read.
	DefaultPortOneStoreID = "store-sandbox"
)

// The V2 error types the sandbox answers with (V2-spec
// GetIdentityVerificationError).
const (
	typeNotFound       = "IDENTITY_VERIFICATION_NOT_FOUND"
	typeUnauthorized   = "UNAUTHORIZED"
	typeForbidden      = "FORBIDDEN"
	typeInvalidRequest = "INVALID_REQUEST"
)

const (
	msgV2NotFound     = "요청된 본인인증 건이 존재하지 않습니다."
	msgV2Unauthorized = "인증 정보가 올바르지 않습니다. (Authorization: PortOne <API secret>)"
	msgV2Forbidden    = "요청이 거절되었습니다. (storeId)"
	msgV2APIError     = "잘못된 요청입니다. (sandbox identity api_error)"
)

// v2Error is the body of every V2 error answer.
type v2Error struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
}

// writeV2Error answers w with status and a V2 error body.
func writeV2Error(w http.ResponseWriter, status int, typ, message string) {
	body, _ := json.Marshal(v2Error{Type: typ, Message: message})
	writeRaw(w, status, body)
}

// serveIdentityVerification answers GET /identity-verifications/{id} as
// PortOne V2 does: the secret in "Authorization: PortOne <secret>" (401
// UNAUTHORIZED otherwise, whatever the id), then the optional storeId query
// (403 FORBIDDEN for any store other than the configured one), then the
// identity (404 IDENTITY_VERIFICATION_NOT_FOUND for an unknown id). The
// api_error identity answers 400 INVALID_REQUEST.
func (s *Server) serveIdentityVerification(w http.ResponseWriter, r *http.Request, id string) {
	if f, ok := s.takeFault(EndpointIdentityVerification); ok && !slowDown(r, f) {
		s.answerFaultV2(w, r, id, f)
		return
	}
	if !s.validSecret(r.Header.Get("Authorization")) {
		w.Header().Set("WWW-Authenticate", "PortOne")
		writeV2Error(w, http.StatusUnauthorized, typeUnauthorized, msgV2Unauthorized)
		return
	}
	if store, ok := r.URL.Query()["storeId"]; ok && (len(store) != 1 || store[0] != s.storeID) {
		writeV2Error(w, http.StatusForbidden, typeForbidden, msgV2Forbidden)
		return
	}
	now := s.now()
	v, f, ok := s.mintedVerification(id, now)
	if !ok {
		v, f, ok = verificationFor(id, now)
	}
	if f.Label == "api_error" {
		writeV2Error(w, http.StatusBadRequest, typeInvalidRequest, msgV2APIError)
		return
	}
	if !ok {
		writeV2Error(w, http.StatusNotFound, typeNotFound, msgV2NotFound)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// validSecret reports whether an Authorization header value is "PortOne "
// (the scheme in any case) followed by the configured secret.
func (s *Server) validSecret(auth string) bool {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "PortOne") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(secret)), []byte(s.portOneSecret)) == 1
}
