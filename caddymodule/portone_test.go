package caddymodule_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestEveryRefusalWithThePortOneSource drives every refusal code through a
// real Caddy whose handlers use the PortOne V2 source, with the sandbox as
// PortOne: the same codes and statuses as with i'mport V1, faults included,
// and a refused request never reaches the upstream.
func TestEveryRefusalWithThePortOneSource(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", v2: true, options: "min_age 19\n\t\tmax_body 4KiB"},
		site{host: "strict.localhost", v2: true, options: "min_age 19\n\t\tmax_age 20\n\t\tforeigners deny\n\t\tsingle_use off"},
		site{host: "slow.localhost", v2: true, options: "timeout 300ms"},
		site{host: "v1.localhost", options: "single_use off"},
	))
	fault := func(name string, times int) func(t *testing.T) {
		return func(t *testing.T) { setFault(t, name, "identity_verification", times) }
	}
	cases := []struct {
		name       string
		prepare    func(t *testing.T)
		host, path string
		body       string
		status     int
		code       string // "" means the request passes
	}{
		{name: "missing", body: `{"nick":"a"}`, status: 400, code: "imp_uid_missing"},
		{name: "an imp_uid field is not the V2 field", body: `{"imp_uid":"` + v2Adult + `"}`, status: 400, code: "imp_uid_missing"},
		{name: "invalid traversal", body: v2Body("identity-verification-1/../../x"), status: 400, code: "imp_uid_invalid"},
		{name: "invalid dot segment", body: v2Body(".."), status: 400, code: "imp_uid_invalid"},
		{name: "invalid query smuggling", body: v2Body("a?storeId=other"), status: 400, code: "imp_uid_invalid"},
		{name: "invalid too long", body: v2Body(strings.Repeat("a", 129)), status: 400, code: "imp_uid_invalid"},
		{name: "invalid Hangul", body: v2Body("본인인증"), status: 400, code: "imp_uid_invalid"},
		{name: "invalid number", body: `{"identityVerificationId":100000000001}`, status: 400, code: "imp_uid_invalid"},
		{name: "conflict body vs query", path: "/signup?identityVerificationId=" + v2Minor, body: v2Body(v2Adult), status: 400, code: "imp_uid_conflict"},
		{name: "body invalid", body: `{"identityVerificationId":`, status: 400, code: "body_invalid"},
		{name: "body too large", body: `{"identityVerificationId":"` + v2Adult + `","pad":"` + strings.Repeat("x", 5000) + `"}`, status: 413, code: "body_too_large"},
		{name: "not found", body: v2Body(v2Unknown), status: 403, code: "verification_not_found"},
		{name: "a V1 id at a V2 source is not found", body: v2Body(idAdult), status: 403, code: "verification_not_found"},
		{name: "a V2 id at a V1 source is invalid", host: "v1.localhost", body: `{"imp_uid":"` + v2Adult + `"}`, status: 400, code: "imp_uid_invalid"},
		{name: "not certified (READY)", body: v2Body(v2NotCertif), status: 403, code: "not_certified"},
		{name: "underage minor", body: v2Body(v2Minor), status: 403, code: "underage"},
		{name: "underage turns 19 tomorrow", body: v2Body(v219Tomorrow), status: 403, code: "underage"},
		{name: "turns 19 today passes", body: v2Body(v219Today), status: 200},
		{name: "overage", host: "strict.localhost", body: v2Body(v2Adult), status: 403, code: "overage"},
		{name: "foreigner denied", host: "strict.localhost", body: v2Body(v2Foreigner), status: 403, code: "foreigner_denied"},
		{name: "unknown nationality denied", host: "strict.localhost", body: v2Body(v2ForeignerUnknown), status: 403, code: "foreigner_denied"},
		{name: "foreigner allowed by default", body: v2Body(v2Foreigner), status: 200},
		{name: "ci missing", body: v2Body(v2NoCI), status: 403, code: "ci_missing"},
		{name: "expired", body: v2Body(v2Stale), status: 403, code: "verification_expired"},
		{name: "error answer (400 INVALID_REQUEST)", body: v2Body(v2ErrorAnswer), status: 502, code: "verification_failed"},
		{name: "first use passes", body: v2Body(v2Adult), status: 200},
		{name: "reused", body: v2Body(v2Adult), status: 409, code: "imp_uid_reused"},
		{name: "reused via query", path: "/signup?identityVerificationId=" + v2Adult, body: `{}`, status: 409, code: "imp_uid_reused"},
		{name: "secret refused (401)", prepare: fault("secret_refused", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "store refused (403)", prepare: fault("forbidden", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "unknown error type", prepare: fault("unknown_error_type", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "unknown status", prepare: fault("unknown_status", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "answer about another id", prepare: fault("other_id", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "404 that is not PortOne's", prepare: fault("plain_not_found", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "malformed JSON", prepare: fault("malformed_json", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "null answer", prepare: fault("response_null", 1), body: v2Body(v2Hangul), status: 502, code: "verification_failed"},
		{name: "PortOne 503 twice (call and retry)", prepare: fault("status_503", 2), body: v2Body(v2Hangul), status: 503, code: "verification_unavailable"},
		{name: "PortOne unreachable twice", prepare: fault("unreachable", 0), body: v2Body(v2Hangul), status: 503, code: "verification_unavailable"},
		{name: "PortOne 500 once is retried", prepare: func(t *testing.T) { clearFaults(t); setFault(t, "status_500", "identity_verification", 1) },
			body: v2Body(v2Hangul), status: 200},
		{name: "PortOne slower than the timeout", prepare: fault("hang", 1), host: "slow.localhost", body: v2Body(v2NoDI), status: 503, code: "verification_unavailable"},
		{name: "healthy again after hang", host: "slow.localhost", body: v2Body(v2NoDI), status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare(t)
			}
			host, path := tc.host, tc.path
			if host == "" {
				host = "localhost"
			}
			if path == "" {
				path = "/signup"
			}
			req, _ := http.NewRequest(http.MethodPost, "http://"+host+":9080"+path, io.NopCloser(strings.NewReader(tc.body)))
			req.ContentLength = int64(len(tc.body))
			req.Header.Set("Content-Type", "application/json")
			sendExpecting(t, tester, be, req, tc.status, tc.code)
		})
	}
	if f := activeFault(t); f != "null" {
		t.Errorf("a fault is still active after the cases: %s", f)
	}
}

// TestConnectOnAV2VerifyPathIsRefused is tunnel_refused with the PortOne
// V2 source: a CONNECT to the signup path carrying a valid V2 id never
// becomes a tunnel to the upstream, and PortOne is not asked.
func TestConnectOnAV2VerifyPathIsRefused(t *testing.T) {
	up := newRawUpstream(t)
	startCaddy(t, config(t, up.addr(), site{host: "localhost", v2: true, options: "verify {\n\t\t\tpath /signup\n\t\t}"}))
	calls := v2Calls(t)
	c := dialGateway(t)
	c.send("CONNECT /signup?identityVerificationId=" + v2Adult + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	status, _, got := c.answer()
	var doc problemDoc
	if err := jsonUnmarshal(got, &doc); err != nil || status != 400 || doc.Code != "tunnel_refused" {
		t.Fatalf("answer %d %s, want 400 tunnel_refused", status, got)
	}
	if up.count() != 0 || v2Calls(t) != calls {
		t.Fatal("a CONNECT reached the upstream or PortOne")
	}
}
