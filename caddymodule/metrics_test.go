package caddymodule_test

import (
	"bufio"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

const adminURL = "http://localhost:2999"

// reload loads cfg through the admin API's POST /load, as an operator's
// `caddy reload` does; the call returns once the new config runs.
func reload(t *testing.T, cfg string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, adminURL+"/load", strings.NewReader(cfg))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /load: %d %s", resp.StatusCode, body)
	}
	dropKeepAlives()
}

// sample is one line of the Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
	// idOrAddrRE matches an imp_uid or an IPv4 address in a label value.
	idOrAddrRE = regexp.MustCompile(`imp_[0-9]|[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+`)
)

// scrape reads the admin endpoint's /metrics and returns the samples
// whose name starts with caddy_iamport_.
func scrape(t *testing.T) []sample {
	t.Helper()
	resp, err := http.Get(adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "caddy_iamport_") {
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("metrics line does not parse: %s", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		rest := m[2]
		for _, lm := range labelRE.FindAllStringSubmatch(rest, -1) {
			s.labels[lm[1]] = lm[2]
			rest = strings.Replace(rest, lm[0], "", 1)
		}
		if strings.Trim(rest, ", ") != "" {
			t.Fatalf("metrics line %q: labels do not parse (left %q)", line, rest)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// find returns the first sample of name whose labels include want; with
// exact, its labels must be exactly want.
func find(samples []sample, name string, want map[string]string, exact bool) (sample, bool) {
	for _, s := range samples {
		if s.name != name || (exact && len(s.labels) != len(want)) {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			return s, true
		}
	}
	return sample{}, false
}

// value returns the sample of name whose labels are exactly want (0 if none).
func value(samples []sample, name string, want map[string]string) float64 {
	s, _ := find(samples, name, want, true)
	return s.value
}

// has reports whether some sample of name has at least the labels want.
func has(samples []sample, name string, want map[string]string) bool {
	_, ok := find(samples, name, want, false)
	return ok
}

// allowedLabels is every label name the plugin's metrics may carry, with
// the fixed set of values each may take: codes, sources, endpoints,
// outcomes and store operations. An id, an IP address or personal data is none of them.
func allowedLabels() map[string]map[string]bool {
	set := func(vals ...string) map[string]bool {
		m := map[string]bool{}
		for _, v := range vals {
			m[v] = true
		}
		return m
	}
	codes := set("verified")
	for _, c := range problem.Codes() {
		codes[string(c)] = true
	}
	return map[string]map[string]bool{
		"code":     codes,
		"source":   set("iamport", "portone"),
		"endpoint": set("get_token", "certification", "identity_verification"),
		"outcome": set("ok", "not_found", "unauthorized", "client_error", "server_error",
			"api_error", "invalid_answer", "network_error", "timeout",
			"acquired", "abandoned"), // the lookup limiter's (timeout too)
		"operation": set("reserve", "release"),
		"path":      set("background", "request"),
		"le":        set("0.001", ".005", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"),
	}
}

// checkLabels fails on any plugin sample with a label or label value
// outside the allowed sets.
func checkLabels(t *testing.T, samples []sample) {
	t.Helper()
	allowed := allowedLabels()
	for _, s := range samples {
		for k, v := range s.labels {
			vals, ok := allowed[k]
			if !ok {
				t.Errorf("%s has an unexpected label %s=%q", s.name, k, v)
				continue
			}
			if !vals[v] {
				t.Errorf("%s has label %s=%q outside its fixed set", s.name, k, v)
			}
		}
	}
}

func TestMetricsCountVerificationsRefusalsAndCallsAcrossAReload(t *testing.T) {
	be := newBackend(t)
	sites := []site{
		{host: "localhost", options: "min_age 19"},
		// Nothing listens on port 1: every Reserve fails.
		{host: "redis.localhost", options: "single_use redis redis://127.0.0.1:1/0"},
	}
	tester := startCaddy(t, config(t, be.addr(), sites...))
	m0 := scrape(t)

	send := func(host, id string, status int) {
		t.Helper()
		resp, body := postJSON(t, tester, host, "/signup", `{"imp_uid":"`+id+`"}`)
		if resp.StatusCode != status {
			t.Fatalf("%s on %s: status %d (%s), want %d", id, host, resp.StatusCode, body, status)
		}
	}
	send("localhost", idAdult, 200)
	send("localhost", idMinor, 403)        // underage
	send("localhost", idUnknown, 403)      // verification_not_found
	send("localhost", idAdult, 409)        // imp_uid_reused
	send("redis.localhost", idHangul, 503) // the store cannot be reached

	// A reload through the admin API (another config, same credentials):
	// the registry is new, the counters go on, no new token is fetched.
	sites[0].options = "min_age 20"
	reload(t, config(t, be.addr(), sites...))
	send("localhost", idNoDI, 200)
	setFault(t, "status_503", "certification", 2)
	send("localhost", id19Today, 503) // 503 from i'mport, retried once

	m1 := scrape(t)
	delta := func(name string, labels map[string]string) float64 {
		return value(m1, name, labels) - value(m0, name, labels)
	}
	// The first request starts the background fetch and looks up at once:
	// one getToken, on whichever path comes first.
	tokenDelta := sum(m1, "caddy_iamport_token_fetches_total", map[string]string{"outcome": "ok"}) -
		sum(m0, "caddy_iamport_token_fetches_total", map[string]string{"outcome": "ok"})
	if tokenDelta != 1 {
		t.Errorf("caddy_iamport_token_fetches_total{outcome=ok} rose by %v over both paths, want 1", tokenDelta)
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"caddy_iamport_verifications_total", map[string]string{"code": "verified", "source": "iamport"}, 2},
		{"caddy_iamport_verifications_total", map[string]string{"code": "underage", "source": "iamport"}, 1},
		{"caddy_iamport_verifications_total", map[string]string{"code": "verification_not_found", "source": "iamport"}, 1},
		{"caddy_iamport_verifications_total", map[string]string{"code": "imp_uid_reused", "source": "iamport"}, 1},
		{"caddy_iamport_verifications_total", map[string]string{"code": "verification_unavailable", "source": "iamport"}, 2},
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "get_token", "outcome": "ok"}, 1},
		// adult, minor, adult again (looked up before the replay is
		// refused), hangul, no_di
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "certification", "outcome": "ok"}, 5},
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "certification", "outcome": "not_found"}, 1},
		{"caddy_iamport_api_request_duration_seconds_count", map[string]string{"endpoint": "certification", "outcome": "server_error"}, 2},
		{"caddy_iamport_single_use_store_errors_total", map[string]string{"operation": "reserve"}, 1},
	}
	for _, c := range checks {
		if got := delta(c.name, c.labels); got != c.want {
			t.Errorf("%s%v rose by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, endpoint := range []string{"get_token", "certification"} {
		if !has(m1, "caddy_iamport_api_request_duration_seconds_bucket", map[string]string{"endpoint": endpoint, "le": "+Inf"}) {
			t.Errorf("no api_request_duration_seconds histogram for endpoint %s", endpoint)
		}
	}
	if s := stats(t); s.GetToken != 1 {
		t.Errorf("sandbox saw %d getToken calls across the reload, want 1", s.GetToken)
	}
	checkLabels(t, m1)
}

func TestNoMetricLabelCarriesAnIDAnIPOrPersonalData(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost", options: "min_age 19\n\t\tforeigners deny"}))
	for _, id := range allIdentities {
		postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+id+`"}`)
	}
	postJSON(t, tester, "localhost", "/signup", `{"nick":"no id"}`)
	postJSON(t, tester, "localhost", "/signup?imp_uid=imp_1%2F..", ``)
	samples := scrape(t)
	if len(samples) == 0 {
		t.Fatal("no caddy_iamport_ metric on /metrics")
	}
	checkLabels(t, samples)
	for _, s := range samples {
		for _, v := range s.labels {
			if idOrAddrRE.MatchString(v) || strings.Contains(v, "localhost") {
				t.Errorf("%s has label value %q", s.name, v)
			}
		}
	}
}

func TestTwoHandlersAndReloadsRegisterMetricsWithoutPanicOrWarning(t *testing.T) {
	logs := newLogCapture(t)
	be := newBackend(t)
	cfg := func(minAge string) string {
		return buildConfig(t, logs.global(), be.addr(), []site{
			{host: "localhost", options: "min_age " + minAge},
			{host: "second.localhost", options: "single_use off"},
		})
	}
	tester := startCaddy(t, cfg("19"))
	reload(t, cfg("20"))
	reload(t, cfg("21"))
	for _, host := range []string{"localhost", "second.localhost"} {
		if resp, body := postJSON(t, tester, host, "/signup", `{"imp_uid":"`+idHangul+`"}`); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", host, resp.StatusCode, body)
		}
	}
	samples := scrape(t)
	for _, name := range []string{"caddy_iamport_verifications_total", "caddy_iamport_token_fetches_total",
		"caddy_iamport_api_request_duration_seconds_count"} {
		if !has(samples, name, nil) {
			t.Errorf("%s missing from /metrics after two handlers and two reloads", name)
		}
	}
	for _, l := range logs.lines(t, 0, -1) {
		if strings.HasPrefix(l.str("logger"), handlerLogger) && l.str("msg") == "registering metrics" {
			t.Errorf("registering the metrics failed: %s", l.text)
		}
	}
}

func TestTokenSandboxAndUsedIDsSurviveAnAdminAPIReload(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`); resp.StatusCode != 200 {
		t.Fatalf("first use: %d %s", resp.StatusCode, body)
	}
	// Sandbox state set before the reload: a fault for the next call.
	setFault(t, "code_nonzero", "certification", 1)

	reload(t, config(t, be.addr(), site{host: "localhost", options: "min_age 20"},
		site{host: "other.localhost"}))

	if f := activeFault(t); !strings.Contains(f, `"code_nonzero"`) {
		t.Fatalf("the sandbox lost its fault across the reload: %s", f)
	}
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idHangul+`"}`)
	assertProblem(t, resp, body, 502, "verification_failed")
	// The new config runs (min_age 20 refuses the 15-year-old, whom the
	// old config let through) ...
	resp, body = postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idMinor+`"}`)
	assertProblem(t, resp, body, 403, "underage")
	// ... with the old single-use memory: the id used before is refused,
	// also on a site that did not exist before the reload.
	resp, body = postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	assertProblem(t, resp, body, 409, "imp_uid_reused")
	resp, body = postJSON(t, tester, "other.localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	assertProblem(t, resp, body, 409, "imp_uid_reused")
	if resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idHangul+`"}`); resp.StatusCode != 200 {
		t.Fatalf("after reload: %d %s", resp.StatusCode, body)
	}
	// One token for everything, and the sandbox's counters carried on (a
	// new sandbox would have issued a second token to a refused old one).
	if s := stats(t); s.GetToken != 1 || s.Certifications != 6 {
		t.Fatalf("sandbox saw %d getToken and %d certification calls, want 1 and 6", s.GetToken, s.Certifications)
	}
	if be.hits() != 2 {
		t.Fatalf("upstream hits %d, want 2", be.hits())
	}
}
