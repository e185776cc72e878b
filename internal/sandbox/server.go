package sandbox

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default credentials accepted by getToken when Config leaves them empty.
const (
	DefaultAPIKey    = "sandbox_key"
	DefaultAPISecret = "sandbox_secret"
)

// Config configures a Server. The zero value is ready to use.
type Config struct {
	// APIKey and APISecret are the imp_key and imp_secret that getToken
	// accepts. They default to DefaultAPIKey ("sandbox_key") and
	// DefaultAPISecret ("sandbox_secret") when empty.
	APIKey, APISecret string
	// PortOneSecret is the V2 API secret the identity verification
	// endpoint accepts in "Authorization: PortOne <secret>", default
	// DefaultPortOneSecret ("sandbox_portone_secret").
	PortOneSecret string
	// PortOneStoreID is the only storeId the V2 endpoint accepts when a
	// request names one, default DefaultPortOneStoreID ("store-sandbox").
	PortOneStoreID string
	// Now is the clock used for tokens and test identities. It defaults to
	// time.Now; tests inject a fake clock.
	Now func() time.Time
}

// Stats counts the calls a Server received, including calls that failed or
// were answered by an injected fault.
type Stats struct {
	// GetToken counts requests to /users/getToken, whatever their method.
	GetToken int64 `json:"get_token"`
	// Certifications counts requests under /certifications/, whatever
	// their method.
	Certifications int64 `json:"certifications"`
	// CertificationsInFlight is the certification requests being answered
	// now.
	CertificationsInFlight int64 `json:"certifications_in_flight"`
	// MaxCertificationsInFlight is the most certification requests that
	// were ever being answered at once (since New or the last Reset).
	MaxCertificationsInFlight int64 `json:"max_certifications_in_flight"`
	// IdentityVerifications counts requests under
	// /identity-verifications/ (PortOne V2), whatever their method.
	IdentityVerifications int64 `json:"identity_verifications"`
}

// Server is the sandbox i'mport API, an http.Handler. Create it once with
// New and keep it for as long as its tokens, faults and counters should
// live. It is safe for concurrent use.
type Server struct {
	key, secret   string
	portOneSecret string
	storeID       string
	now           func() time.Time

	getTokenCalls   atomic.Int64
	certCalls       atomic.Int64
	certInFlight    atomic.Int64
	certMaxInFlight atomic.Int64
	v2Calls         atomic.Int64

	mu        sync.Mutex
	token     string // the active access token, "" when none was issued
	expiresAt int64  // Unix seconds at which token stops being valid
	rules     TokenRules
	issued    int64 // new tokens issued
	extended  int64 // extensions of the active token
	fault     Fault // the active fault, meaningful only when hasFault
	hasFault  bool

	// hangHook, when set by tests, is called when a request starts hanging.
	hangHook func()

	// minted and mintedV2 hold the verifications completed in the browser
	// window, by imp_uid (V1) and by identityVerificationId (V2).
	minted, mintedV2 mintRegistry
}

// New returns a Server configured by cfg, with no token issued, no fault
// active and zeroed counters.
func New(cfg Config) *Server {
	s := &Server{key: cfg.APIKey, secret: cfg.APISecret, portOneSecret: cfg.PortOneSecret, storeID: cfg.PortOneStoreID, now: cfg.Now,
		rules: TokenRules{}.withDefaults()}
	if s.key == "" {
		s.key = DefaultAPIKey
	}
	if s.secret == "" {
		s.secret = DefaultAPISecret
	}
	if s.portOneSecret == "" {
		s.portOneSecret = DefaultPortOneSecret
	}
	if s.storeID == "" {
		s.storeID = DefaultPortOneStoreID
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Stats returns the calls received since New or the last Reset.
func (s *Server) Stats() Stats {
	return Stats{
		GetToken:                  s.getTokenCalls.Load(),
		Certifications:            s.certCalls.Load(),
		CertificationsInFlight:    s.certInFlight.Load(),
		MaxCertificationsInFlight: s.certMaxInFlight.Load(),
		IdentityVerifications:     s.v2Calls.Load(),
	}
}

// Reset clears the active fault, revokes the access token and zeroes the
// counters (the most in flight becomes the number in flight now), as
// POST /__sandbox/reset does.
func (s *Server) Reset() {
	s.mu.Lock()
	s.token, s.expiresAt = "", 0
	s.issued, s.extended = 0, 0
	s.fault, s.hasFault = Fault{}, false
	s.mu.Unlock()
	s.getTokenCalls.Store(0)
	s.certCalls.Store(0)
	s.certMaxInFlight.Store(s.certInFlight.Load())
	s.v2Calls.Store(0)
}

// Paths served, relative to the handler root.
const (
	pathGetToken        = "/users/getToken"
	prefixCertificate   = "/certifications/"
	prefixV2            = "/identity-verifications/"
	pathControlFaults   = "/__sandbox/faults"
	pathControlStats    = "/__sandbox/stats"
	pathControlReset    = "/__sandbox/reset"
	msgNotFoundPath     = "요청하신 API를 찾을 수 없습니다."
	msgMethodNotAllowed = "허용되지 않은 HTTP 메소드입니다."
)

// ServeHTTP routes r to the i'mport V1 endpoints, the PortOne V2 identity
// verification endpoint or the control endpoints. Unknown paths are
// answered 404 and wrong methods 405, with the V1 envelope (a V2 error body
// under /identity-verifications/).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == pathGetToken:
		s.getTokenCalls.Add(1)
		if allow(w, r, refuseV1, http.MethodPost) {
			s.serveGetToken(w, r)
		}
	case strings.HasPrefix(p, prefixCertificate):
		s.certCalls.Add(1)
		defer s.trackInFlight()()
		id := strings.TrimPrefix(p, prefixCertificate)
		if id == "" || strings.Contains(id, "/") {
			writeError(w, http.StatusNotFound, msgNotFoundPath)
			return
		}
		if allow(w, r, refuseV1, http.MethodGet) {
			s.serveCertification(w, r, id)
		}
	case strings.HasPrefix(p, prefixV2):
		s.v2Calls.Add(1)
		id := strings.TrimPrefix(p, prefixV2)
		if id == "" || strings.Contains(id, "/") {
			writeV2Error(w, http.StatusNotFound, typeNotFound, msgV2NotFound)
			return
		}
		if allow(w, r, refuseV2, http.MethodGet) {
			s.serveIdentityVerification(w, r, id)
		}
	case strings.HasPrefix(p, prefixSDK):
		s.serveBrowser(w, r)
	case p == pathControlFaults:
		if allow(w, r, refuseV1, http.MethodGet, http.MethodPost, http.MethodDelete) {
			s.serveFaults(w, r)
		}
	case p == pathControlStats:
		if allow(w, r, refuseV1, http.MethodGet) {
			writeJSON(w, http.StatusOK, s.Stats())
		}
	case p == pathControlReset:
		if allow(w, r, refuseV1, http.MethodPost) {
			s.Reset()
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		writeError(w, http.StatusNotFound, msgNotFoundPath)
	}
}

// allow reports whether r uses one of methods. When it does not, it sets
// an Allow header and answers 405 with refuse's body.
func allow(w http.ResponseWriter, r *http.Request, refuse func(http.ResponseWriter), methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	refuse(w)
	return false
}

// The bodies of a 405: the V1 envelope, a V2 error, or plain text for the
// browser pages, which are not API endpoints.
func refuseV1(w http.ResponseWriter) {
	writeError(w, http.StatusMethodNotAllowed, msgMethodNotAllowed)
}

func refuseV2(w http.ResponseWriter) {
	writeV2Error(w, http.StatusMethodNotAllowed, typeInvalidRequest, msgMethodNotAllowed)
}

func refusePage(w http.ResponseWriter) {
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
