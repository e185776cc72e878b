package caddymodule_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEveryRefusalAnswersProblemJSONAndNeverReachesTheUpstream(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(),
		site{host: "localhost", options: "min_age 19\n\t\tmax_body 4KiB"},
		site{host: "strict.localhost", options: "min_age 19\n\t\tmax_age 20\n\t\tforeigners deny\n\t\tsingle_use off"},
		site{host: "slow.localhost", options: "timeout 300ms"},
		site{host: "limited.localhost", after: "request_body {\n\t\tmax_size 100\n\t}\n\treverse_proxy " + be.addr()},
	))
	body := func(id string) string { return `{"imp_uid":"` + id + `"}` }

	cases := []struct {
		name        string
		prepare     func(t *testing.T)
		host, path  string
		contentType string
		body        string
		chunked     bool
		status      int
		code        string // "" means the request passes
	}{
		// First, while no token is cached: getToken refusing the credentials.
		// The fault stays until the next case: this first request also
		// starts the background warm-up, which could use up a one-shot
		// fault before the lookup's own getToken.
		{name: "credentials rejected", prepare: func(t *testing.T) { setFault(t, "bad_credentials", "token", 0) },
			body: body(idAdult), status: 502, code: "verification_failed"},
		{name: "missing", prepare: clearFaults, body: `{"nick":"a"}`, status: 400, code: "imp_uid_missing"},
		{name: "missing, empty body", body: ``, status: 400, code: "imp_uid_missing"},
		{name: "invalid traversal", body: body("imp_1/../../users/getToken"), status: 400, code: "imp_uid_invalid"},
		{name: "invalid too long", body: body("imp_" + strings.Repeat("1", 29)), status: 400, code: "imp_uid_invalid"},
		{name: "invalid number", body: `{"imp_uid":100000000001}`, status: 400, code: "imp_uid_invalid"},
		{name: "conflict body vs query", path: "/signup?imp_uid=" + idMinor, body: body(idAdult), status: 400, code: "imp_uid_conflict"},
		{name: "conflict duplicate key", body: `{"imp_uid":"` + idAdult + `","imp_uid":"` + idMinor + `"}`, status: 400, code: "imp_uid_conflict"},
		{name: "body invalid", body: `{"imp_uid":`, status: 400, code: "body_invalid"},
		{name: "body too large", body: `{"imp_uid":"` + idAdult + `","pad":"` + strings.Repeat("x", 5000) + `"}`, status: 413, code: "body_too_large"},
		// (With a Content-Length over its limit, request_body refuses by
		// itself before this handler runs; a chunked body reaches us.)
		{name: "over an earlier request_body limit, chunked", host: "limited.localhost", chunked: true, body: `{"imp_uid":"` + idAdult + `","pad":"` + strings.Repeat("x", 200) + `"}`, status: 413, code: "body_too_large"},
		{name: "not found", body: body(idUnknown), status: 403, code: "verification_not_found"},
		{name: "not certified", body: body(idNotCertif), status: 403, code: "not_certified"},
		{name: "underage minor", body: body(idMinor), status: 403, code: "underage"},
		{name: "underage turns 19 tomorrow", body: body(id19Tomorrow), status: 403, code: "underage"},
		{name: "turns 19 today passes", body: body(id19Today), status: 200},
		{name: "overage", host: "strict.localhost", body: body(idAdult), status: 403, code: "overage"},
		{name: "foreigner denied", host: "strict.localhost", body: body(idForeigner), status: 403, code: "foreigner_denied"},
		{name: "foreigner allowed by default", body: body(idForeigner), status: 200},
		{name: "ci missing", body: body(idNoCI), status: 403, code: "ci_missing"},
		{name: "expired", body: body(idStale), status: 403, code: "verification_expired"},
		{name: "error answer", body: body(idErrorAnswer), status: 502, code: "verification_failed"},
		{name: "first use passes", body: body(idAdult), status: 200},
		{name: "reused", body: body(idAdult), status: 409, code: "imp_uid_reused"},
		{name: "reused via query", path: "/signup?imp_uid=" + idAdult, contentType: "application/x-www-form-urlencoded", body: "nick=kim", status: 409, code: "imp_uid_reused"},
		{name: "i'mport 503 twice (call and retry)", prepare: func(t *testing.T) { setFault(t, "status_503", "certification", 2) },
			body: body(idHangul), status: 503, code: "verification_unavailable"},
		{name: "healthy again after 503", body: body(idHangul), status: 200},
		{name: "i'mport slower than the timeout", prepare: func(t *testing.T) { setFault(t, "hang", "certification", 1) },
			host: "slow.localhost", body: body(idNoDI), status: 503, code: "verification_unavailable"},
		{name: "healthy again after hang", host: "slow.localhost", body: body(idNoDI), status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare(t)
			}
			host, path, ct := tc.host, tc.path, tc.contentType
			if host == "" {
				host = "localhost"
			}
			if path == "" {
				path = "/signup"
			}
			if ct == "" {
				ct = "application/json"
			}
			var rd io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				rd = io.MultiReader(rd) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, "http://"+host+":9080"+path, rd)
			req.Header.Set("Content-Type", ct)
			sendExpecting(t, tester, be, req, tc.status, tc.code)
		})
	}
}

func TestYearBasisCountsCalendarYears(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "min_age 19\n\t\tage_basis year"}))
	seoul, _ := time.LoadLocation("Asia/Seoul")
	today := time.Now().In(seoul)
	want := http.StatusOK // born in (this year - 19), so 19 by calendar years ...
	if today.AddDate(0, 0, 1).Year() != today.Year() {
		want = http.StatusForbidden // ... except on 31 December, when "tomorrow" is next year
	}
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+id19Tomorrow+`"}`)
	if resp.StatusCode != want {
		t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, want)
	}
}

// TestHandleErrorsNeverSeesTheCause proves that a refusal handed to
// handle_errors carries its code and public detail but not its cause:
// {err.message} may be shown to the client, and the cause (here i'mport's
// 503) is for the handler's own log line only.
func TestHandleErrorsNeverSeesTheCause(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "refusals handle_errors", after: `reverse_proxy ` + be.addr() + `
	handle_errors {
		respond "{err.message}"
	}`}))
	setFault(t, "status_503", "certification", 2)
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(string(body), "verification_unavailable: ") {
		t.Fatalf("got %d %q, want 503 with the code and its detail", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "503") || strings.Contains(string(body), "status") {
		t.Fatalf("{err.message} carries the cause: %q", body)
	}
}

func TestRefusalsCanGoToHandleErrors(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "min_age 19\n\t\trefusals handle_errors", after: `reverse_proxy ` + be.addr() + `
	handle_errors {
		respond "custom page: {err.status_code} {http.iamport.code}"
	}`}))
	for _, tc := range []struct {
		body, want string
		status     int
	}{
		{`{"imp_uid":"` + idMinor + `"}`, "custom page: 403 underage", 403},
		{`{}`, "custom page: 400 imp_uid_missing", 400},
		{`{"imp_uid":"` + idUnknown + `"}`, "custom page: 403 verification_not_found", 403},
	} {
		resp, body := postJSON(t, tester, "localhost", "/signup", tc.body)
		if resp.StatusCode != tc.status || string(body) != tc.want {
			t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tc.status, tc.want)
		}
	}
	if be.hits() != 0 {
		t.Fatal("a refused request reached the upstream")
	}
}
