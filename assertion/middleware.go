package assertion

import (
	"errors"
	"net/http"
)

// retryAfter is the Retry-After of a 503, in seconds: the gateway's own
// (a test ties it to the gateway's value).
const retryAfter = "5"

// Middleware verifies the assertion in the request header (DefaultHeader
// when header is "") before calling next with the verified Identity in the
// request context (see FromContext). A request without exactly one
// assertion, or with one that fails verification, is answered 401
// Unauthorized; when the key set cannot be fetched, 503 Service
// Unavailable with Retry-After: 5. next is never called in either case.
func (v *Verifier) Middleware(header string, next http.Handler) http.Handler {
	if header == "" {
		header = DefaultHeader
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals := r.Header.Values(header)
		if len(vals) != 1 {
			http.Error(w, "identity assertion missing", http.StatusUnauthorized)
			return
		}
		id, err := v.Verify(r.Context(), vals[0])
		if err != nil {
			if errors.Is(err, ErrKeysUnavailable) {
				w.Header().Set("Retry-After", retryAfter)
				http.Error(w, "identity assertion keys unavailable", http.StatusServiceUnavailable)
				return
			}
			http.Error(w, "identity assertion invalid", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}
