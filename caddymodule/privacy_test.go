package caddymodule_test

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// allIdentities is every sandbox identity plus an id the sandbox does not
// know.
var allIdentities = []string{
	idAdult, idMinor, id19Today, id19Tomorrow, idNotCertif, idForeigner,
	idStale, idNoCI, idNoDI, idHangul, idErrorAnswer, idUnknown,
}

// allFields is every field `forward` accepts.
const allFields = "name gender foreigner phone carrier birthday age imp_uid certified_at"

// personalData lists, by a label naming the identity and the kind of
// value, every form in which a personal value or a secret could show up in
// a log: the CI (unique_key), the DI (unique_in_site), the CI hash, the
// name (raw, percent-encoded in either case, JSON \u-escaped), the phone,
// the access token, api_secret and ci_hash_key.
func personalData(t *testing.T, key string) map[string]string {
	t.Helper()
	out := map[string]string{
		"access token": sandboxToken(t, key),
		"api_secret":   testSecret,
		"ci_hash_key":  testCIKey,
	}
	for _, id := range allIdentities {
		if id == idErrorAnswer || id == idUnknown {
			continue // no record
		}
		rec := sandboxRecord(t, key, id)
		str := func(k string) string { s, _ := rec[k].(string); return s }
		if ci := str("unique_key"); ci != "" {
			out[id+" CI"] = ci
			out[id+" CI hash"] = hmacHex(testCIKey, ci)
		}
		if di := str("unique_in_site"); di != "" {
			out[id+" DI"] = di
		}
		if phone := str("phone"); phone != "" {
			out[id+" phone"] = phone
		}
		if name := str("name"); name != "" {
			out[id+" name"] = name
			enc := url.PathEscape(name)
			if enc != name {
				out[id+" name, percent-encoded"] = enc
				out[id+" name, percent-encoded lower case"] = strings.ToLower(enc)
			}
			if q := strconv.QuoteToASCII(name); q != strconv.Quote(name) {
				out[id+" name, \\u-escaped"] = strings.Trim(q, `"`)
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d values to look for: the sandbox records lack fields", len(out))
	}
	return out
}

// leak is a personal value found in a log line.
type leak struct {
	what, logger, msg, line string
}

func findLeaks(lines []logLine, values map[string]string, keep func(logLine) bool) []leak {
	labels := make([]string, 0, len(values))
	for k := range values {
		labels = append(labels, k)
	}
	sort.Strings(labels)
	var out []leak
	for _, l := range lines {
		if !keep(l) {
			continue
		}
		for _, what := range labels {
			if strings.Contains(l.text, values[what]) {
				out = append(out, leak{what, l.str("logger"), l.str("msg"), l.text})
			}
		}
	}
	return out
}

func reportLeaks(t *testing.T, leaks []leak) {
	t.Helper()
	if len(leaks) == 0 {
		return
	}
	byPlace := map[string][]string{}
	var places []string
	example := map[string]string{}
	for _, lk := range leaks {
		place := fmt.Sprintf("logger %q, msg %q", lk.logger, lk.msg)
		if _, ok := byPlace[place]; !ok {
			places = append(places, place)
			example[place] = lk.line
		}
		byPlace[place] = append(byPlace[place], lk.what)
	}
	for _, p := range places {
		t.Errorf("%s carries: %s\n  e.g. %s", p, strings.Join(dedupe(byPlace[p]), "; "), example[p])
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func TestNoPersonalDataOrSecretInAnyLog(t *testing.T) {
	logs := newLogCapture(t)
	be := newBackend(t)
	proxy := "reverse_proxy " + be.addr() + "\n\t" + logs.accessLog()
	// Caddy's reverse_proxy logs the headers of the request it sends
	// upstream at DEBUG level ("upstream roundtrip"), and those include the
	// identity headers this handler added. The README's "Logs" section
	// gives the log filter that deletes them; the test runs with it.
	cfg := buildConfig(t, logs.globalFiltered(), be.addr(), []site{
		{host: "localhost", options: "min_age 19\n\t\tforeigners deny", after: proxy},
		{host: "all.localhost", options: "single_use off\n\t\tforward " + allFields, after: proxy},
		{host: "errors.localhost", options: "single_use off\n\t\tmin_age 19\n\t\trefusals handle_errors", after: proxy},
	})
	// The secrets are written as runtime placeholders, as the README asks:
	// at DEBUG level Caddy logs the whole adapted config ("http.auto_https",
	// "adjusted config"), which would otherwise carry them in clear.
	t.Setenv("IAMPORT_PRIVACY_SECRET", testSecret)
	t.Setenv("IAMPORT_PRIVACY_CI_KEY", testCIKey)
	cfg = strings.ReplaceAll(cfg, testSecret, "{env.IAMPORT_PRIVACY_SECRET}")
	cfg = strings.ReplaceAll(cfg, testCIKey, "{env.IAMPORT_PRIVACY_CI_KEY}")
	tester := startCaddy(t, cfg)

	requests := 0
	send := func(host, id string) int {
		resp, _ := postJSON(t, tester, host, "/signup", `{"imp_uid":"`+id+`","nick":"n"}`)
		requests++
		return resp.StatusCode
	}
	for _, id := range allIdentities {
		send("localhost", id)
		send("all.localhost", id)
		send("errors.localhost", id)
	}
	if got := send("localhost", idHangul); got != 409 {
		t.Errorf("replay: status %d, want 409", got)
	}
	// A refusal after the i'mport lookup failed (its cause names the call).
	setFault(t, "status_503", "certification", 2)
	if got := send("all.localhost", idAdult); got != 503 {
		t.Errorf("i'mport 503: status %d, want 503", got)
	}

	// The forward-all site did forward the personal data, so a leak would
	// have something to leak.
	var sawName bool
	be.mu.Lock()
	got := be.got
	be.mu.Unlock()
	for _, r := range got {
		if r.Header.Get("X-Verified-Name") == url.PathEscape("홍길동") && r.Header.Get("X-Verified-Phone") != "" {
			sawName = true
		}
	}
	if !sawName {
		t.Fatal("the backend never received the Hangul name and phone: the scenario proves nothing")
	}

	// Every request's access log line is written (after its answer).
	logs.waitFor(t, 0, fmt.Sprintf("for each of the %d requests in the access log", requests), func(lines []logLine) bool {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l.str("logger"), "http.log.access") {
				n++
			}
		}
		return n >= requests
	})
	lines := logs.lines(t, 0, -1)
	loggers := map[string]int{}
	for _, l := range lines {
		loggers[l.str("logger")]++
	}
	for _, want := range []string{handlerLogger, handlerLogger + ".iamport", "http.handlers.reverse_proxy"} {
		if loggers[want] == 0 {
			t.Errorf("no line from logger %q was captured (captured: %v)", want, loggers)
		}
	}
	values := personalData(t, keyFor(t))

	isOurs := func(l logLine) bool {
		n := l.str("logger")
		return strings.HasPrefix(n, handlerLogger) || strings.HasPrefix(n, "http.log.access") || strings.HasPrefix(n, "http.log.error")
	}
	t.Run("iamport_verify, its client, access and error logs", func(t *testing.T) {
		reportLeaks(t, findLeaks(lines, values, isOurs))
	})
	t.Run("every other logger at DEBUG", func(t *testing.T) {
		reportLeaks(t, findLeaks(lines, values, func(l logLine) bool { return !isOurs(l) }))
	})
}
