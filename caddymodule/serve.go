package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/extract"
	"github.com/verigate/caddy-iamport/internal/hopbyhop"
	"github.com/verigate/caddy-iamport/internal/identity"
	"github.com/verigate/caddy-iamport/internal/lookuplimit"
	"github.com/verigate/caddy-iamport/internal/policy"
	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/signing"
)

// codeVerified is {http.iamport.code} for a request that passed.
const codeVerified = "verified"

// releaseTimeout bounds the release of a reservation after an upstream failure.
const releaseTimeout = 2 * time.Second

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (v *Verify) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// Before anything else, on every request: no client-sent identity header
	// survives, whatever its case or its '_' and '.' spelling, and no
	// hop-by-hop mechanism (Connection, Upgrade, trailers) can remove,
	// tunnel past or add one on the way to the upstream.
	v.filter.Strip(r.Header)
	v.hops.Clean(r)
	// The first request of any kind starts the background fetch of the
	// token, so that verifications do not wait for it; after that, one
	// atomic load.
	v.warm()
	if v.signer != nil {
		v.signer.prepare()
	}

	if len(v.verifySets) > 0 {
		match, err := v.verifySets.AnyMatchWithError(r)
		if err != nil {
			hopbyhop.CloseAfterRefusal(w.Header(), r, nil)
			return caddyhttp.Error(http.StatusBadRequest, err)
		}
		if !match {
			return next.ServeHTTP(w, r)
		}
	}

	start := time.Now()
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if repl == nil {
		repl = caddy.NewReplacer()
	}
	repl.Set("http.iamport.source", v.source.Name())

	// A request that must verify is judged as the upstream will get it:
	// Connection nominations applied, no upgrade, no trailers.
	if hopbyhop.OpensTunnel(r) {
		return v.refuse(w, r, nil, repl, problem.New(problem.TunnelRefused,
			"a request that must carry an identity verification cannot open a tunnel"), "", start)
	}
	body := hopbyhop.Seal(r)

	id, perr := v.readID(w, r)
	if perr != nil {
		return v.refuse(w, r, body, repl, perr, "", start)
	}
	idHash := shortHash(id)

	rec, decision, perr := v.decide(r.Context(), id)
	if perr != nil {
		return v.refuse(w, r, body, repl, perr, idHash, start)
	}

	var keys *signing.KeySet
	if v.signer != nil {
		if keys, perr = v.signer.keySet(r.Context(), v.timeout); perr != nil {
			return v.refuse(w, r, body, repl, perr, idHash, start)
		}
	}

	if v.store != nil {
		ok, err := v.store.Reserve(r.Context(), id, v.ttl)
		if err != nil {
			storeErrors.WithLabelValues("reserve").Inc()
			return v.refuse(w, r, body, repl, problem.Wrap(problem.VerificationUnavailable,
				"the single-use store could not be reached; try again shortly", err), idHash, start)
		}
		if !ok {
			return v.refuse(w, r, body, repl, problem.New(problem.ImpUIDReused,
				"this identity verification has already been used"), idHash, start)
		}
	}

	ciHash := v.ciHash.Hash(rec.CI)
	v.headers.Set(r.Header, identity.Values{Record: rec, CIHash: ciHash, Age: decision.Age}, v.forward)
	if v.signer != nil {
		if perr := v.signer.attach(r.Header, keys, &rec, ciHash, decision.Age, v.forward); perr != nil {
			if v.store != nil {
				v.release(id, idHash)
			}
			return v.refuse(w, r, body, repl, perr, idHash, start)
		}
	}
	repl.Set("http.iamport.code", codeVerified)
	repl.Set("http.iamport.imp_uid", id)
	repl.Set("http.iamport.ci_hash", ciHash)
	repl.Set("http.iamport.di", rec.DI)
	repl.Set("http.iamport.birth_year", strconv.Itoa(decision.BirthYear))
	verifications.WithLabelValues(codeVerified, rec.Source).Inc()
	if c := v.logger.Check(zapcore.InfoLevel, "identity verified"); c != nil {
		c.Write(zap.String("code", codeVerified), zap.String("source", rec.Source), zap.String("id_hash", idHash),
			zap.Duration("duration", time.Since(start)))
	}

	if v.store == nil {
		return next.ServeHTTP(w, r)
	}
	sw := &statusWriter{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w}}
	err := next.ServeHTTP(sw, r)
	// The upstream did not take the signup (it answered 5xx, or nothing
	// was written and the next handler failed, e.g. reverse_proxy could not
	// reach it): the person may retry with the same verification.
	if sw.status >= 500 || (sw.status == 0 && err != nil) {
		v.release(id, idHash)
	}
	return err
}

// decide looks a valid id up within the time budget and applies the
// policy: everything ServeHTTP does between reading the id and reserving
// it. The operator's lookup command (Standalone.Judge) calls it too, so
// that it reaches the handler's decision by the same code.
func (v *Verify) decide(ctx context.Context, id string) (certification.Record, policy.Decision, *problem.Error) {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	rec, err := v.source.Lookup(ctx, id)
	cancel()
	if err != nil {
		return rec, policy.Decision{}, lookupRefusal(err, v.source.Name())
	}
	decision, perr := v.policy.Check(rec)
	return rec, decision, perr
}

// readID bounds the time the client may take to send its body, then finds
// the id. The read deadline is lifted again once the body is in memory, so
// that a slow upstream is not cut off by it.
func (v *Verify) readID(w http.ResponseWriter, r *http.Request) (string, *problem.Error) {
	rc := http.NewResponseController(w)
	deadlineSet := rc.SetReadDeadline(time.Now().Add(v.timeout)) == nil
	id, perr := extract.ID(r, v.extract)
	if deadlineSet {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return id, perr
}

// release forgets a reservation after the upstream failed, so the person
// can retry with the same verification.
func (v *Verify) release(id, idHash string) {
	// Not the request's context: it may already be cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := v.store.Release(ctx, id); err != nil {
		storeErrors.WithLabelValues("release").Inc()
		v.logger.Warn("releasing verification after upstream failure", zap.String("id_hash", idHash), zap.Error(err))
		return
	}
	v.logger.Debug("verification released after upstream failure", zap.String("id_hash", idHash))
}

// refuse answers a refusal and never calls the next handler. When the
// request body was not read to its end (body is the watch installed before
// reading it, or nil), the answer closes an HTTP/1.x connection, so that it
// reaches the client at once (see hopbyhop.CloseAfterRefusal).
func (v *Verify) refuse(w http.ResponseWriter, r *http.Request, body *hopbyhop.BodyWatch, repl *caddy.Replacer, perr *problem.Error, idHash string, start time.Time) error {
	hopbyhop.CloseAfterRefusal(w.Header(), r, body)
	code := string(perr.Code)
	repl.Set("http.iamport.code", code)
	verifications.WithLabelValues(code, v.source.Name()).Inc()
	status := perr.Code.Status()
	level := zapcore.InfoLevel
	if status >= 500 {
		level = zapcore.WarnLevel
	}
	if errors.Is(perr.Err, lookuplimit.ErrNoSlot) {
		// A flood must not flood the log: the limiter logs these at a
		// bounded rate, with a count.
		level = zapcore.DebugLevel
	}
	if c := v.logger.Check(level, "identity verification refused"); c != nil {
		fields := []zap.Field{zap.String("code", code), zap.String("source", v.source.Name()), zap.Int("status", status),
			zap.Duration("duration", time.Since(start))}
		if idHash != "" {
			fields = append(fields, zap.String("id_hash", idHash))
		}
		if perr.Err != nil {
			// Causes come from this module's packages, which never put
			// personal data, tokens or secrets into error texts (a failed
			// body read loses the connection's addresses in extract).
			fields = append(fields, zap.String("cause", perr.Err.Error()))
		}
		c.Write(fields...)
	}
	if v.Refusals == refusalsHandleErrors {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(problem.RetryAfterSeconds))
		}
		// Without the cause: handle_errors routes may show the error's text
		// ({err.message}) to the client, and Caddy logs it again; the cause
		// is in this handler's own line above.
		return caddyhttp.Error(status, problem.New(perr.Code, perr.Detail))
	}
	return problem.Write(w, perr)
}

// lookupRefusal maps a verification source error to its refusal; the
// detail names the source (i'mport or PortOne).
func lookupRefusal(err error, sourceName string) *problem.Error {
	name := sourceNames[sourceName]
	switch {
	case errors.Is(err, certification.ErrNotFound):
		return problem.Wrap(problem.VerificationNotFound, name+" has no identity verification with this id", err)
	case errors.Is(err, lookuplimit.ErrNoSlot):
		return problem.Wrap(problem.VerificationUnavailable, "too many identity verifications are in progress; try again shortly", err)
	case errors.Is(err, certification.ErrUnavailable):
		return problem.Wrap(problem.VerificationUnavailable, name+" could not be reached in time; try again shortly", err)
	default:
		return problem.Wrap(problem.VerificationFailed, name+" gave an answer that could not be used", err)
	}
}

// shortHash is the id as it appears in logs: enough to correlate lines,
// not the id itself.
func shortHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// statusWriter records the final status the next handler wrote.
type statusWriter struct {
	caddyhttp.ResponseWriterWrapper
	status int
}

func (sw *statusWriter) WriteHeader(status int) {
	if sw.status == 0 && status >= 200 {
		sw.status = status
	}
	sw.ResponseWriterWrapper.WriteHeader(status)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriterWrapper.Write(b)
}

func (sw *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriterWrapper.ReadFrom(src)
}
