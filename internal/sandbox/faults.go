package sandbox

import (
	"fmt"
	"io"
	"net/http"
)

// FaultName names a failure the Server can imitate.
type FaultName string

// The faults the Server can inject.
const (
	// FaultUnreachable closes the connection without answering, like a
	// host that went away. When the connection cannot be hijacked (HTTP/2,
	// or a recorder in tests) the handler panics with http.ErrAbortHandler
	// instead. Note that Go's http.Transport silently retries a GET that
	// failed this way on a reused keep-alive connection, so such a client
	// may consume two counts of a fault's Times for one logical call.
	FaultUnreachable FaultName = "unreachable"
	// FaultHang never answers; the request ends only when its context is
	// done, that is when the client gives up or disconnects.
	FaultHang FaultName = "hang"
	// FaultStatus500 answers HTTP 500 with an envelope of code -1.
	FaultStatus500 FaultName = "status_500"
	// FaultStatus503 answers HTTP 503 with an envelope of code -1.
	FaultStatus503 FaultName = "status_503"
	// FaultCodeNonzero answers HTTP 200 with code 1 and a null response, a
	// business error as the real API reports it.
	FaultCodeNonzero FaultName = "code_nonzero"
	// FaultResponseNull answers HTTP 200 with code 0 and a null response.
	FaultResponseNull FaultName = "response_null"
	// FaultMalformedJSON answers HTTP 200 with a truncated JSON body.
	FaultMalformedJSON FaultName = "malformed_json"
	// FaultTokenRevoked applies to certification calls only: it answers
	// 401 even for a valid token and revokes that token, so the next
	// getToken issues a new one.
	FaultTokenRevoked FaultName = "token_revoked"
	// FaultBadCredentials applies to getToken calls only: it answers 401
	// whatever the credentials.
	FaultBadCredentials FaultName = "bad_credentials"
)

// Endpoint names which calls a fault applies to.
type Endpoint string

// The endpoints a fault can target.
const (
	// EndpointToken targets POST /users/getToken.
	EndpointToken Endpoint = "token"
	// EndpointCertification targets GET /certifications/{imp_uid}.
	EndpointCertification Endpoint = "certification"
	// EndpointAny targets every endpoint (see also
	// EndpointIdentityVerification); it is the default when Endpoint is
	// empty.
	EndpointAny Endpoint = "any"
)

// Fault is a failure the Server imitates on the calls it targets. Only one
// fault is active at a time; setting another replaces it.
type Fault struct {
	// Name is the failure to imitate.
	Name FaultName `json:"fault"`
	// Endpoint is the calls the fault applies to; empty means EndpointAny.
	// Under EndpointAny a fault fires only on the calls it fits:
	// FaultTokenRevoked on certification calls, FaultBadCredentials on
	// getToken calls, FaultCodeNonzero on V1 calls and the V2 faults
	// (FaultSecretRefused and the rest) on identity verification calls.
	Endpoint Endpoint `json:"endpoint,omitempty"`
	// Times is how many calls the fault still applies to before it clears
	// itself; 0 means until cleared.
	Times int `json:"times,omitempty"`
	// Delay is how long FaultSlow holds each answer back (required by it,
	// refused on other faults).
	Delay Delay `json:"delay,omitempty"`
}

// malformedBody is the truncated answer of FaultMalformedJSON.
const malformedBody = `{"code":0,"response":{`

// validate checks f and fills in the default endpoint.
func (f Fault) validate() (Fault, error) {
	if f.Endpoint == "" {
		f.Endpoint = EndpointAny
	}
	switch f.Endpoint {
	case EndpointToken, EndpointCertification, EndpointIdentityVerification, EndpointAny:
	default:
		return f, fmt.Errorf("unknown fault endpoint %q: want token, certification, identity_verification or any", f.Endpoint)
	}
	if f.Times < 0 {
		return f, fmt.Errorf("fault times %d is negative", f.Times)
	}
	if err := f.checkDelay(); err != nil {
		return f, err
	}
	if !knownFault(f.Name) {
		return f, fmt.Errorf("unknown fault %q", f.Name)
	}
	if f.Endpoint != EndpointAny && !faultFits(f.Name, f.Endpoint) {
		return f, fmt.Errorf("fault %q does not apply to %s calls", f.Name, f.Endpoint)
	}
	return f, nil
}

// appliesTo reports whether f fires on calls to e.
func (f Fault) appliesTo(e Endpoint) bool {
	if f.Endpoint != EndpointAny && f.Endpoint != e {
		return false
	}
	return faultFits(f.Name, e)
}

// SetFault makes f the active fault, replacing any other. It reports an
// error, and changes nothing, when f names an unknown fault or endpoint,
// a negative Times, or an endpoint the fault cannot apply to.
func (s *Server) SetFault(f Fault) error {
	f, err := f.validate()
	if err != nil {
		return fmt.Errorf("setting sandbox fault: %w", err)
	}
	s.mu.Lock()
	s.fault, s.hasFault = f, true
	s.mu.Unlock()
	return nil
}

// ClearFaults removes the active fault, if any.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.fault, s.hasFault = Fault{}, false
	s.mu.Unlock()
}

// ActiveFault returns the active fault, with Times counting the calls it
// still applies to, and whether there is one.
func (s *Server) ActiveFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault, s.hasFault
}

// takeFault returns the active fault if it applies to a call to e, counting
// the call against its Times and clearing it when they run out.
func (s *Server) takeFault(e Endpoint) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasFault || !s.fault.appliesTo(e) {
		return Fault{}, false
	}
	f := s.fault
	if s.fault.Times > 0 {
		s.fault.Times--
		if s.fault.Times == 0 {
			s.fault, s.hasFault = Fault{}, false
		}
	}
	return f, true
}

// answerConnectionFault answers r as f prescribes when f fails the
// connection rather than the answer (FaultUnreachable, FaultHang), the same
// for V1 and V2 calls, and reports whether it did.
func (s *Server) answerConnectionFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f.Name {
	case FaultUnreachable:
		dropConnection(w)
	case FaultHang:
		hang(r, s.hangHook)
	default:
		return false
	}
	return true
}

// answerFault answers r as fault f prescribes.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if s.answerConnectionFault(w, r, f) {
		return
	}
	switch f.Name {
	case FaultStatus500:
		writeError(w, http.StatusInternalServerError, "서버 내부 오류가 발생했습니다. (sandbox fault status_500)")
	case FaultStatus503:
		writeError(w, http.StatusServiceUnavailable, "일시적으로 서비스를 이용할 수 없습니다. (sandbox fault status_503)")
	case FaultCodeNonzero:
		writeEnvelope(w, http.StatusOK, 1, "요청을 처리하지 못했습니다. (sandbox fault code_nonzero)", nil)
	case FaultResponseNull:
		writeEnvelope(w, http.StatusOK, 0, "", nil)
	case FaultMalformedJSON:
		writeRaw(w, http.StatusOK, []byte(malformedBody))
	case FaultTokenRevoked:
		s.revokeToken(requestToken(r))
		writeUnauthorized(w)
	case FaultBadCredentials:
		writeError(w, http.StatusUnauthorized, msgBadCredentials)
	}
}

// hang waits until r's context is done, calling hook (if any) first. It
// reads the request body to its end beforehand: net/http only notices that
// an HTTP/1.x client went away, and cancels the context, once the body has
// been consumed.
func hang(r *http.Request, hook func()) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBodyBytes))
	if hook != nil {
		hook()
	}
	<-r.Context().Done()
}

// dropConnection closes the client connection without writing anything.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
