package sandbox

import "net/http"

// EndpointIdentityVerification targets PortOne V2's GET
// /identity-verifications/{id}.
const EndpointIdentityVerification Endpoint = "identity_verification"

// The faults that only V2 calls know. unreachable, hang, slow, status_500,
// status_503, response_null and malformed_json apply to V2 calls too, with
// V2 bodies; code_nonzero, token_revoked and bad_credentials are V1's only.
const (
	// FaultSecretRefused answers 401 UNAUTHORIZED whatever the secret, as
	// PortOne does for a revoked secret or a PG secret used by mistake. It
	// is V2's counterpart of bad_credentials and token_revoked.
	FaultSecretRefused FaultName = "secret_refused"
	// FaultForbidden answers 403 FORBIDDEN, as for a store the secret may
	// not read.
	FaultForbidden FaultName = "forbidden"
	// FaultUnknownErrorType answers 400 with an error type the V2 spec does
	// not list. It is V2's counterpart of code_nonzero (a business error).
	FaultUnknownErrorType FaultName = "unknown_error_type"
	// FaultUnknownStatus answers 200 with the identity's verification under
	// a status the V2 spec does not list.
	FaultUnknownStatus FaultName = "unknown_status"
	// FaultOtherID answers 200 with a verification about another id.
	FaultOtherID FaultName = "other_id"
	// FaultPlainNotFound answers 404 with a body that is not a V2 error,
	// as a wrong api_base or a proxy in between would.
	FaultPlainNotFound FaultName = "plain_not_found"
)

// faultFits reports whether fault name can fire on calls to endpoint e.
func faultFits(name FaultName, e Endpoint) bool {
	switch name {
	case FaultUnreachable, FaultHang, FaultStatus500, FaultStatus503, FaultResponseNull, FaultMalformedJSON, FaultSlow:
		return true
	case FaultCodeNonzero:
		return e == EndpointToken || e == EndpointCertification
	case FaultTokenRevoked:
		return e == EndpointCertification
	case FaultBadCredentials:
		return e == EndpointToken
	case FaultSecretRefused, FaultForbidden, FaultUnknownErrorType, FaultUnknownStatus, FaultOtherID, FaultPlainNotFound:
		return e == EndpointIdentityVerification
	}
	return false
}

// knownFault reports whether name is a fault the sandbox knows.
func knownFault(name FaultName) bool {
	for _, e := range []Endpoint{EndpointToken, EndpointCertification, EndpointIdentityVerification} {
		if faultFits(name, e) {
			return true
		}
	}
	return false
}

// malformedV2Body is the truncated answer of FaultMalformedJSON on V2 calls.
const malformedV2Body = `{"status":"VERIFIED","id":`

// answerFaultV2 answers a V2 call for id as fault f prescribes.
func (s *Server) answerFaultV2(w http.ResponseWriter, r *http.Request, id string, f Fault) {
	if s.answerConnectionFault(w, r, f) {
		return
	}
	switch f.Name {
	case FaultStatus500:
		writeV2Error(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "서버 내부 오류가 발생했습니다. (sandbox fault status_500)")
	case FaultStatus503:
		writeV2Error(w, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "일시적으로 서비스를 이용할 수 없습니다. (sandbox fault status_503)")
	case FaultResponseNull:
		writeRaw(w, http.StatusOK, []byte("null"))
	case FaultMalformedJSON:
		writeRaw(w, http.StatusOK, []byte(malformedV2Body))
	case FaultSecretRefused:
		w.Header().Set("WWW-Authenticate", "PortOne")
		writeV2Error(w, http.StatusUnauthorized, typeUnauthorized, msgV2Unauthorized+" (sandbox fault secret_refused)")
	case FaultForbidden:
		writeV2Error(w, http.StatusForbidden, typeForbidden, msgV2Forbidden+" (sandbox fault forbidden)")
	case FaultUnknownErrorType:
		writeV2Error(w, http.StatusBadRequest, "SANDBOX_UNDOCUMENTED_ERROR", "(sandbox fault unknown_error_type)")
	case FaultUnknownStatus, FaultOtherID:
		v, _, ok := verificationFor(id, s.now())
		if !ok {
			v, _, _ = verificationFor(AdultV2ID, s.now())
			v.ID = id
		}
		if f.Name == FaultUnknownStatus {
			v.Status = "SANDBOX_UNDOCUMENTED_STATUS"
		} else {
			v.ID = "identity-verification-sandbox-other"
		}
		writeJSON(w, http.StatusOK, v)
	case FaultPlainNotFound:
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>404 Not Found (sandbox fault plain_not_found)</body></html>"))
	}
}
