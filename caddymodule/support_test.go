package caddymodule_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/verigate/caddy-iamport/caddymodule"
	_ "github.com/verigate/caddy-iamport/sandbox"

	"github.com/verigate/caddy-iamport/internal/sandboxtest"
)

// The integration tests drive one in-process Caddy (caddytest) listening on
// these loopback ports. The gateway sites are on :9080, the sandbox on :9081.
const (
	gatewayURL = "http://localhost:9080"
	sandboxURL = "http://127.0.0.1:9081"
	testSecret = "sandbox-test-secret"
	testCIKey  = "integration-ci-hash-key"
)

// The sandbox's documented test identities.
const (
	idAdult       = "imp_100000000001"
	idMinor       = "imp_100000000002"
	id19Today     = "imp_100000000003"
	id19Tomorrow  = "imp_100000000004"
	idNotCertif   = "imp_100000000005"
	idForeigner   = "imp_100000000006"
	idStale       = "imp_100000000007"
	idNoCI        = "imp_100000000008"
	idNoDI        = "imp_100000000009"
	idHangul      = "imp_100000000010"
	idErrorAnswer = "imp_100000000011"
	idUnknown     = "imp_999999999999"
)

// globalOptions are caddytest's usual settings.
const globalOptions = `{
	skip_install_trust
	admin localhost:2999
	http_port 9080
	https_port 9443
	grace_period 1ns
%s}
`

// allowlistOptions switch on Caddy's underscore and dot allowlists, which
// make Caddy's own server let (single-valued) '_' and '.' spellings of our
// headers through to the handler, so that the tests prove the handler
// strips them itself instead of relying on Caddy. (With them on, Caddy
// drops the plain-hyphen spellings under the same prefix instead.)
const allowlistOptions = `	servers {
		expected_underscore_headers X-Verified_* x_verified_* X_VERIFIED_* X-Verified-CI_Hash
		expected_dot_headers X-Verified.* x.verified.* X-Verified-CI.Hash
	}
`

// keyFor gives every test its own i'mport API key, so that each test starts
// with a cold token cache, a fresh sandbox and an empty single-use store
// (those are pooled by credentials across config loads).
func keyFor(t *testing.T) string {
	return "key_" + regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")
}

// site is one gateway site block of a test config.
type site struct {
	host    string // e.g. "localhost" or "strict.localhost"
	options string // extra iamport_verify subdirectives
	after   string // handlers after iamport_verify; default reverse_proxy to the backend
	// v2 selects the PortOne V2 source (a portone block with the test's V2
	// secret and store) instead of the i'mport V1 credentials.
	v2 bool
}

// config builds a whole Caddyfile: the global options, the gateway sites
// and the sandbox with the test's credentials.
func config(t *testing.T, backend string, sites ...site) string {
	return buildConfig(t, "", backend, sites)
}

// configWithAllowlists is config with Caddy's underscore and dot allowlists on.
func configWithAllowlists(t *testing.T, backend string, sites ...site) string {
	return buildConfig(t, allowlistOptions, backend, sites)
}

// buildConfig builds a test Caddyfile; globalExtra is inserted into the
// global options block (e.g. allowlistOptions, or a log block).
func buildConfig(t *testing.T, globalExtra, backend string, sites []site) string {
	key := keyFor(t)
	var b strings.Builder
	fmt.Fprintf(&b, globalOptions, globalExtra)
	for _, s := range sites {
		after := s.after
		if after == "" {
			after = "reverse_proxy " + backend
		}
		source := fmt.Sprintf("api_key %s\n\t\tapi_secret %s\n\t\tapi_base %s", key, testSecret, sandboxURL)
		if s.v2 {
			source = fmt.Sprintf("portone {\n\t\t\tapi_secret %s\n\t\t\tstore_id %s\n\t\t\tapi_base %s\n\t\t}",
				v2SecretFor(t), v2StoreFor(t), sandboxURL)
		}
		fmt.Fprintf(&b, `
http://%s:9080 {
	iamport_verify {
		%s
		ci_hash_key %s
		%s
	}
	%s
}
`, s.host, source, testCIKey, s.options, after)
	}
	// The settle site answers this config's own marker, so that startCaddy
	// can tell when connections reach the new config's server.
	fmt.Fprintf(&b, `
http://settle.localhost:9080 {
	respond "settle-%d"
}
`, settleMarkers.Add(1))
	fmt.Fprintf(&b, `
http://plain.localhost:9080 {
	reverse_proxy %s
}

http://127.0.0.1:9081 {
	iamport_sandbox {
		api_key %s
		api_secret %s
		portone {
			api_secret %s
			store_id %s
		}
	}
}
`, backend, key, testSecret, v2SecretFor(t), v2StoreFor(t))
	return b.String()
}

// startCaddy loads cfg into the shared in-process Caddy. Under CI=true a
// test that cannot start Caddy fails instead of being skipped.
func startCaddy(t *testing.T, cfg string) *caddytest.Tester {
	t.Helper()
	if os.Getenv("CI") == "true" {
		// caddytest skips, rather than fails, when Caddy cannot start; in
		// CI a skipped integration test is a failure.
		t.Cleanup(func() {
			if t.Skipped() {
				t.Error("integration test skipped under CI=true: the in-process Caddy did not start")
			}
		})
	}
	tester := caddytest.NewTester(t)
	tester.InitServer(cfg, "caddyfile")
	currentTester = tester
	dropKeepAlives()
	if m := settleMarker.FindString(cfg); m != "" {
		settle(t, m)
	}
	return tester
}

// settleMarkers numbers the configs buildConfig writes.
var settleMarkers atomic.Int64

var settleMarker = regexp.MustCompile(`settle-[0-9]+`)

// settle waits until new connections reach the server of the config just
// loaded. Right after a reload, the previous config's server can still
// accept a connection on the shared listener and then close it unanswered
// as it stops (a client sees EOF); a test's first request must not race
// that. settle polls the settle site on fresh connections until three in
// a row answer this config's marker.
func settle(t *testing.T, marker string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for ok := 0; ok < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("the config with %s never answered on fresh connections", marker)
		}
		if settleProbe() == marker {
			ok++
		} else {
			ok = 0
		}
	}
}

// settleProbe asks the settle site once, on a new connection, and returns
// its answer ("" on any error).
func settleProbe() string {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:9080", time.Second)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: settle.localhost\r\nConnection: close\r\n\r\n"); err != nil {
		return ""
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ""
	}
	return string(body)
}

// currentTester is the tester of the config loaded last.
var currentTester *caddytest.Tester

// dropKeepAlives closes the test clients' idle keep-alive connections after
// a config load: the old servers close theirs, and a POST sent on one of
// them just then would fail with EOF (net/http retries only idempotent
// requests).
func dropKeepAlives() {
	http.DefaultClient.CloseIdleConnections()
	if currentTester != nil {
		currentTester.Client.CloseIdleConnections()
	}
}

// received is what the backend saw of one request.
type received struct {
	Method  string
	Path    string
	Header  http.Header
	Body    []byte
	Length  int64
	Chunked bool
}

// backend is a recording upstream. Its answer status can be scripted.
type backend struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status []int // statuses for the next answers; 200 after they run out
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got = append(b.got, received{
			Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body,
			Length: r.ContentLength, Chunked: len(r.TransferEncoding) > 0,
		})
		status := http.StatusOK
		if len(b.status) > 0 {
			status, b.status = b.status[0], b.status[1:]
		}
		b.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprint(w, "backend ok")
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// addr is the backend's host:port for reverse_proxy.
func (b *backend) addr() string { return strings.TrimPrefix(b.srv.URL, "http://") }

func (b *backend) hits() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

func (b *backend) last(t *testing.T) received {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.got) == 0 {
		t.Fatal("the backend received no request")
	}
	return b.got[len(b.got)-1]
}

func (b *backend) answer(statuses ...int) {
	b.mu.Lock()
	b.status = append(b.status, statuses...)
	b.mu.Unlock()
}

// identityHeaders returns the headers of h whose name, read loosely, starts
// with x-verified (every spelling a forged header could take).
func identityHeaders(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		n := strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(k))
		if strings.HasPrefix(n, "x-verified") {
			out[k] = v
		}
	}
	return out
}

// postJSON sends a JSON signup body to the gateway.
func postJSON(t *testing.T, tester *caddytest.Tester, host, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+host+":9080"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header[headers[i]] = append(req.Header[headers[i]], headers[i+1])
	}
	return do(t, tester, req)
}

func do(t *testing.T, tester *caddytest.Tester, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// problemDoc is an RFC 9457 answer as the gateway writes it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// sendExpecting sends req and checks its fate: with code "" it must pass
// with status and reach the backend once; otherwise it must be refused with
// status and a problem document of that code, and never reach the backend.
func sendExpecting(t *testing.T, tester *caddytest.Tester, be *backend, req *http.Request, status int, code string) {
	t.Helper()
	before := be.hits()
	resp, got := do(t, tester, req)
	if code == "" {
		if resp.StatusCode != status || be.hits() != before+1 {
			t.Fatalf("status %d (%s), backend hits %d→%d; want %d and one hit", resp.StatusCode, got, before, be.hits(), status)
		}
		return
	}
	assertProblem(t, resp, got, status, code)
	if be.hits() != before {
		t.Fatalf("a refused request reached the upstream")
	}
}

func assertProblem(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var doc problemDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if doc.Code != code || doc.Status != status || doc.Title == "" || doc.Detail == "" {
		t.Fatalf("problem = %+v, want code %q status %d with title and detail", doc, code, status)
	}
	if status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		t.Fatal("503 answer without Retry-After")
	}
}

// sandboxRecord fetches a certification straight from the sandbox, as an
// independent source of truth for the values the gateway forwards.
func sandboxRecord(t *testing.T, key, id string) map[string]any {
	t.Helper()
	return sandboxtest.Certification(t, sandboxURL, key, testSecret, id)
}

// sandboxStats are the sandbox's i'mport V1 call counters.
type sandboxStats struct {
	GetToken, Certifications int64
}

// stats returns the sandbox's i'mport V1 call counters.
func stats(t *testing.T) sandboxStats {
	t.Helper()
	s := sandboxtest.Stats(t, sandboxURL)
	return sandboxStats{GetToken: s.GetToken, Certifications: s.Certifications}
}

// setFault drives the sandbox's fault injection.
func setFault(t *testing.T, fault, endpoint string, times int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"fault": fault, "endpoint": endpoint, "times": times})
	resp, err := http.Post(sandboxURL+"/__sandbox/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("setting fault %s: status %d", fault, resp.StatusCode)
	}
}

func TestMain(m *testing.M) {
	// Caddy writes autosave.json under the config dir; keep it out of $HOME.
	dir, err := os.MkdirTemp("", "caddy-iamport-test")
	if err == nil {
		os.Setenv("XDG_CONFIG_HOME", dir)
		os.Setenv("XDG_DATA_HOME", dir)
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
