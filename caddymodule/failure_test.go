package caddymodule_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// handlerLogger is the name of the iamport_verify handler's logger; the
// i'mport client logs under it too (".iamport").
const handlerLogger = "http.handlers.iamport_verify"

// logCapture points Caddy's logs at a file of JSON lines, so that a test can
// read what Caddy logged about each of its requests.
type logCapture struct{ path string }

func newLogCapture(t *testing.T) *logCapture {
	return &logCapture{path: filepath.Join(t.TempDir(), "caddy.log")}
}

// global is the global options text that sends every logger, at DEBUG
// level, to the capture file.
func (l *logCapture) global() string {
	return fmt.Sprintf("\tlog {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t}\n", l.path)
}

// globalFiltered is global with the README's log filter, which deletes
// the identity headers from reverse_proxy's DEBUG "upstream roundtrip" lines.
func (l *logCapture) globalFiltered() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\tlog {\n\t\toutput file %s\n\t\tformat filter {\n\t\t\twrap json\n", l.path)
	for _, h := range identityHeaderNames {
		fmt.Fprintf(&b, "\t\t\trequest>headers>%s delete\n", h)
	}
	b.WriteString("\t\t}\n\t\tlevel DEBUG\n\t}\n")
	return b.String()
}

// identityHeaderNames are the canonical names of every header the handler
// can set with the default prefix, as Caddy's logs spell them.
var identityHeaderNames = []string{
	"X-Verified-Ci-Hash", "X-Verified-Di", "X-Verified-Birth-Year", "X-Verified-Name", "X-Verified-Gender",
	"X-Verified-Foreigner", "X-Verified-Phone", "X-Verified-Carrier", "X-Verified-Birthday", "X-Verified-Age",
	"X-Verified-Imp-Uid", "X-Verified-At",
}

// accessLog is a site-level log directive that sends the site's access log
// to the capture file as well.
func (l *logCapture) accessLog() string {
	return fmt.Sprintf("log {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t}", l.path)
}

// offset is the current size of the capture file: lines written after it
// belong to what the test does next (the tests run one request at a time).
func (l *logCapture) offset(t *testing.T) int64 {
	t.Helper()
	fi, err := os.Stat(l.path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// raw returns the file's bytes from off to the end.
func (l *logCapture) raw(t *testing.T, off int64) []byte {
	t.Helper()
	b, err := os.ReadFile(l.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if off > int64(len(b)) {
		t.Fatalf("log file shrank from %d to %d bytes (rolled?)", off, len(b))
	}
	return b[off:]
}

// logLine is one decoded JSON log line, with its text for content checks.
type logLine struct {
	fields map[string]any
	text   string
}

func (l logLine) str(key string) string {
	s, _ := l.fields[key].(string)
	return s
}

// lines decodes the complete lines written from off to [off, end).
func (l *logCapture) lines(t *testing.T, off, end int64) []logLine {
	t.Helper()
	b := l.raw(t, off)
	if end >= off && end-off <= int64(len(b)) {
		b = b[:end-off]
	}
	var out []logLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		var f map[string]any
		if err := json.Unmarshal([]byte(text), &f); err != nil {
			t.Fatalf("log line is not JSON (%v): %s", err, text)
		}
		out = append(out, logLine{fields: f, text: text})
	}
	return out
}

// waitFor polls the lines written since off until cond holds for them,
// within a bounded time, and returns the offset where they end. Caddy
// writes the handler's lines before the answer goes out, but the access
// log only after, so a bounded wait keeps the tests free of sleeps.
func (l *logCapture) waitFor(t *testing.T, off int64, what string, cond func([]logLine) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		end := l.offset(t)
		if cond(l.lines(t, off, end)) {
			return end
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %s within 5s; lines since the request:\n%s", what, l.raw(t, off))
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not a timing assumption
	}
}

// isInfoOrAbove reports whether a zap level name is info or more severe.
func isInfoOrAbove(level string) bool {
	switch level {
	case "info", "warn", "error", "dpanic", "panic", "fatal":
		return true
	}
	return false
}

// handlerLines are the lines at info or above from the iamport_verify
// handler (or its i'mport client) among lines.
//
// The background token refresh's lines ("….iamport.token") are left out:
// they are about no request (it warns when getToken fails, whichever
// request is being served then).
func handlerLines(lines []logLine) []logLine {
	var out []logLine
	for _, l := range lines {
		logger := l.str("logger")
		if strings.HasPrefix(logger, handlerLogger) && logger != handlerLogger+".iamport.token" && isInfoOrAbove(l.str("level")) {
			out = append(out, l)
		}
	}
	return out
}

// hasVerdict reports whether lines hold a handler line with the given code.
func hasVerdict(code string) func([]logLine) bool {
	return func(lines []logLine) bool {
		for _, l := range handlerLines(lines) {
			if l.str("code") == code {
				return true
			}
		}
		return false
	}
}

// sandboxToken is the access token the sandbox currently issues for key
// (it returns the same token while it is valid, so this is the token the
// gateway holds).
func sandboxToken(t *testing.T, key string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"imp_key": key, "imp_secret": testSecret})
	resp, err := http.Post(sandboxURL+"/users/getToken", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Response.AccessToken == "" {
		t.Fatalf("sandbox token: status %d, %v", resp.StatusCode, err)
	}
	return tok.Response.AccessToken
}

// activeFault returns the sandbox's active fault as JSON ("null" for none).
func activeFault(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/__sandbox/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func clearFaults(t *testing.T) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, sandboxURL+"/__sandbox/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("clearing faults: status %d", resp.StatusCode)
	}
}

// secretsOf lists the values that must never appear in a log line of the
// gateway: the adult's personal data (the identity every failure case
// asks for), the raw id, the access token and the configured secrets.
func secretsOf(t *testing.T, key string) map[string]string {
	rec := sandboxRecord(t, key, idAdult)
	return map[string]string{
		"CI":                            rec["unique_key"].(string),
		"DI":                            rec["unique_in_site"].(string),
		"name":                          rec["name"].(string),
		"phone":                         rec["phone"].(string),
		"raw imp_uid (not its id_hash)": idAdult,
		"token":                         sandboxToken(t, key),
		"api_secret":                    testSecret,
		"ci_hash_key":                   testCIKey,
	}
}

func TestFailureMatrix(t *testing.T) {
	type step struct {
		fault, endpoint string
		times           int
	}
	// The getToken faults stay until cleared: the first request starts the
	// background warm-up as well as its own lookup, and a fault used up by
	// one of the two would let the other pass.
	cases := []struct {
		name string
		// warm: fetch a token with a healthy request before the fault, so
		// that the fault hits the certification call with a cached token.
		warm    bool
		fault   step
		clear   bool // the fault stays until cleared (times 0)
		host    string
		status  int
		code    string
		calls   sandboxStats // exact sandbox calls of the failing request; -1 for "at least one"
		logCode string       // the code the handler's single line carries
	}{
		{name: "certification unreachable", warm: true, fault: step{"unreachable", "certification", 0}, clear: true,
			status: 503, code: "verification_unavailable", calls: sandboxStats{0, -1}},
		{name: "getToken unreachable", fault: step{"unreachable", "token", 0}, clear: true,
			status: 503, code: "verification_unavailable", calls: sandboxStats{-1, 0}},
		{name: "certification slower than the timeout", warm: true, fault: step{"hang", "certification", 1}, host: "slow.localhost",
			status: 503, code: "verification_unavailable", calls: sandboxStats{0, 1}},
		// A 5xx on the certification GET is retried once: the fault must
		// fire twice to refuse the request, and no third call is made.
		{name: "certification 500 twice", warm: true, fault: step{"status_500", "certification", 2},
			status: 503, code: "verification_unavailable", calls: sandboxStats{0, 2}},
		{name: "certification 503 twice", warm: true, fault: step{"status_503", "certification", 2},
			status: 503, code: "verification_unavailable", calls: sandboxStats{0, 2}},
		{name: "getToken 503", fault: step{"status_503", "token", 0}, clear: true,
			status: 503, code: "verification_unavailable", calls: sandboxStats{-1, 0}},
		{name: "certification code non-zero", warm: true, fault: step{"code_nonzero", "certification", 1},
			status: 502, code: "verification_failed", calls: sandboxStats{0, 1}},
		{name: "getToken code non-zero", fault: step{"code_nonzero", "token", 0}, clear: true,
			status: 502, code: "verification_failed", calls: sandboxStats{-1, 0}},
		{name: "certification response null", warm: true, fault: step{"response_null", "certification", 1},
			status: 502, code: "verification_failed", calls: sandboxStats{0, 1}},
		{name: "getToken response null", fault: step{"response_null", "token", 0}, clear: true,
			status: 502, code: "verification_failed", calls: sandboxStats{-1, 0}},
		{name: "certification malformed JSON", warm: true, fault: step{"malformed_json", "certification", 1},
			status: 502, code: "verification_failed", calls: sandboxStats{0, 1}},
		{name: "getToken malformed JSON", fault: step{"malformed_json", "token", 0}, clear: true,
			status: 502, code: "verification_failed", calls: sandboxStats{-1, 0}},
		{name: "getToken refuses the credentials", fault: step{"bad_credentials", "token", 0}, clear: true,
			status: 502, code: "verification_failed", calls: sandboxStats{-1, 0}},
		// A 401 on the certification call drops the token, fetches a new
		// one and tries once more; a second 401 gives up.
		{name: "token revoked early, then a new token passes", warm: true, fault: step{"token_revoked", "certification", 1},
			status: 200, calls: sandboxStats{1, 2}},
		{name: "token revoked twice", warm: true, fault: step{"token_revoked", "certification", 2},
			status: 502, code: "verification_failed", calls: sandboxStats{1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each subtest has its own api_key (keyFor uses the subtest's
			// name): a cold token cache, a fresh sandbox, an empty store.
			logs := newLogCapture(t)
			be := newBackend(t)
			tester := startCaddy(t, buildConfig(t, logs.global(), be.addr(), []site{
				{host: "localhost"},
				{host: "slow.localhost", options: "timeout 300ms"},
			}))
			host := tc.host
			if host == "" {
				host = "localhost"
			}
			signup := func(id string) string { return `{"imp_uid":"` + id + `"}` }
			if tc.warm {
				if resp, body := postJSON(t, tester, host, "/signup", signup(idHangul)); resp.StatusCode != 200 {
					t.Fatalf("warm-up request: %d %s", resp.StatusCode, body)
				}
			}
			setFault(t, tc.fault.fault, tc.fault.endpoint, tc.fault.times)

			before, hits := stats(t), be.hits()
			off := logs.offset(t)
			resp, body := postJSON(t, tester, host, "/signup", signup(idAdult))
			wantLog := tc.code
			if tc.status == 200 {
				if resp.StatusCode != 200 || be.hits() != hits+1 {
					t.Fatalf("status %d (%s), upstream hits %d→%d; want 200 and one hit", resp.StatusCode, body, hits, be.hits())
				}
				wantLog = "verified"
			} else {
				assertProblem(t, resp, body, tc.status, tc.code)
				if tc.status == 503 && resp.Header.Get("Retry-After") != "5" {
					t.Errorf("Retry-After = %q, want 5", resp.Header.Get("Retry-After"))
				}
				if be.hits() != hits {
					t.Fatal("a refused request reached the upstream")
				}
			}
			if tc.clear {
				clearFaults(t)
			}
			after := stats(t)
			checkCalls(t, "getToken", tc.calls.GetToken, after.GetToken-before.GetToken)
			checkCalls(t, "certification", tc.calls.Certifications, after.Certifications-before.Certifications)
			if f := activeFault(t); f != "null" {
				t.Errorf("the fault was not used up as counted: still active %s", f)
			}

			// The request's lines end where the next request's begin.
			end := logs.waitFor(t, off, "with code "+wantLog, hasVerdict(wantLog))
			secrets := secretsOf(t, keyFor(t))
			checkOneHandlerLine(t, logs.lines(t, off, end), wantLog, tc.status, secrets)

			// The next healthy request passes.
			off = logs.offset(t)
			resp, body = postJSON(t, tester, host, "/signup", signup(idNoDI))
			if resp.StatusCode != 200 || be.hits() != hits+2-boolInt(tc.status != 200) {
				t.Fatalf("next healthy request: %d %s (upstream hits %d→%d)", resp.StatusCode, body, hits, be.hits())
			}
			end = logs.waitFor(t, off, "with code verified", hasVerdict("verified"))
			checkOneHandlerLine(t, logs.lines(t, off, end), "verified", 200, secrets)
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkCalls compares a sandbox call count with want (-1: at least one).
func checkCalls(t *testing.T, what string, want, got int64) {
	t.Helper()
	if (want < 0 && got < 1) || (want >= 0 && got != want) {
		t.Errorf("sandbox %s calls = %d, want %d (-1: at least one)", what, got, want)
	}
}

// checkOneHandlerLine asserts that lines hold exactly one line at info or
// above from the iamport_verify handler, that it gives the code and, for
// refusals, the status and a cause, and that no line of the handler (at
// any level, its i'mport client included) carries one of the secrets.
func checkOneHandlerLine(t *testing.T, lines []logLine, code string, status int, secrets map[string]string) {
	t.Helper()
	hl := handlerLines(lines)
	if len(hl) != 1 {
		var all []string
		for _, l := range hl {
			all = append(all, l.text)
		}
		t.Fatalf("%d handler lines at info or above, want exactly 1:\n%s", len(hl), strings.Join(all, "\n"))
	}
	l := hl[0]
	if l.str("code") != code {
		t.Errorf("handler line code = %q, want %q: %s", l.str("code"), code, l.text)
	}
	if l.str("id_hash") == "" {
		t.Errorf("handler line without id_hash: %s", l.text)
	}
	if code != "verified" {
		if st, _ := l.fields["status"].(float64); int(st) != status {
			t.Errorf("handler line status = %v, want %d: %s", l.fields["status"], status, l.text)
		}
		if l.str("cause") == "" {
			t.Errorf("refusal line without a cause: %s", l.text)
		}
		wantLevel := "info"
		if status >= 500 {
			wantLevel = "warn"
		}
		if l.str("level") != wantLevel {
			t.Errorf("refusal line level = %q, want %q: %s", l.str("level"), wantLevel, l.text)
		}
	}
	for _, line := range lines {
		if !strings.HasPrefix(line.str("logger"), handlerLogger) {
			continue // Caddy's own lines are the privacy test's business
		}
		for what, s := range secrets {
			if s != "" && strings.Contains(line.text, s) {
				t.Errorf("a log line carries the %s: %s", what, line.text)
			}
		}
	}
}

// The i'mport client is pooled across reloads with its token; its own
// (debug) lines must still reach the logs of the config that runs now.
func TestClientLogsGoToTheCurrentConfigsLogsAfterAReload(t *testing.T) {
	be := newBackend(t)
	first, second := newLogCapture(t), newLogCapture(t)
	tester := startCaddy(t, buildConfig(t, first.global(), be.addr(), []site{{host: "localhost", options: "single_use off"}}))
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	first.waitFor(t, 0, "from the i'mport client in the first config's log", hasClientCall)

	reload(t, buildConfig(t, second.global(), be.addr(), []site{{host: "localhost", options: "single_use off\n\t\tmin_age 20"}}))
	off := first.offset(t)
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("after reload: status %d: %s", resp.StatusCode, body)
	}
	second.waitFor(t, 0, "with code verified in the new config's log", hasVerdict("verified"))
	if hasClientCall(second.lines(t, 0, -1)) {
		return
	}
	if hasClientCall(first.lines(t, off, -1)) {
		t.Fatal("after the reload the pooled i'mport client still logs through the first config's logger (into its old log file), not the running config's")
	}
	t.Fatal("after the reload the i'mport client's lines reach no log")
}

func hasClientCall(lines []logLine) bool {
	for _, l := range lines {
		if l.str("logger") == handlerLogger+".iamport" && l.str("msg") == "i'mport call" {
			return true
		}
	}
	return false
}
