package iamportcmd_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/verigate/caddy-iamport"
	_ "github.com/verigate/caddy-iamport/sandbox"

	"github.com/verigate/caddy-iamport/internal/sandboxtest"
)

// Values that must never appear in any output of the commands.
const (
	testSecret  = "SECRET-must-not-leak-7f3a"
	testCIKey   = "CIKEY-must-not-leak-91b2"
	wrongSecret = "WRONG-SECRET-must-not-leak-c4d5"
	// The sandbox's PortOne V2 secret and store.
	testSecretV2 = "V2-SECRET-must-not-leak-e6f7"
	testStoreV2  = "store-iamportcmd-test"
)

// The sandbox's documented test identities.
const (
	idAdult   = "imp_100000000001"
	idMinor   = "imp_100000000002"
	idHangul  = "imp_100000000010"
	idUnknown = "imp_999999999999"
)

// gateway is a real in-process Caddy running the config the commands read:
// a gateway site in front of a recording backend, the i'mport sandbox, and
// whatever extra sites a test adds. The commands run in-process against the
// Caddyfile written to config, as an operator would run them on the
// gateway's host.
type gateway struct {
	config    string // path of the Caddyfile
	addr      string // host:port of the gateway sites (127.0.0.1:<port>)
	port      string
	sandbox   string // base URL of the sandbox
	key       string // the sandbox's API key for this test
	keyFile   string // file holding testCIKey and a trailing newline
	backend   *backend
	caddyfile string // the text of config
}

// site is an extra gateway site: a host on the gateway's port and the body
// of its iamport_verify block, where SANDBOX stands for the sandbox's URL.
type site struct {
	host, verify string
}

// startGateway writes the Caddyfile and loads it into the in-process Caddy.
// Its gateway site is 127.0.0.1:<port>: its API key and secret come from
// environment variables and ci_hash_key from a file, all placeholders, as
// in production.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	dir := t.TempDir()
	g := &gateway{
		key:     "key_" + regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"),
		keyFile: filepath.Join(dir, "ci_hash_key"),
		backend: newBackend(t),
	}
	if err := os.WriteFile(g.keyFile, []byte(testCIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IAMPORTCMD_TEST_API_KEY", g.key)
	t.Setenv("IAMPORTCMD_TEST_API_SECRET", testSecret)
	gwPort, sbPort := freePort(t), freePort(t)
	g.port = gwPort
	g.addr = "127.0.0.1:" + gwPort
	g.sandbox = "http://127.0.0.1:" + sbPort

	var b strings.Builder
	fmt.Fprintf(&b, `{
	admin off
	persist_config off
	grace_period 1ns
}

http://127.0.0.1:%[1]s {
	iamport_verify {
		api_key {env.IAMPORTCMD_TEST_API_KEY}
		api_secret {env.IAMPORTCMD_TEST_API_SECRET}
		api_base %[2]s
		ci_hash_key {file.%[3]s}
		min_age 19
		verify {
			method POST
			path /signup
		}
	}
	reverse_proxy %[4]s
}
`, gwPort, g.sandbox, g.keyFile, g.backend.addr())
	fmt.Fprintf(&b, `
http://127.0.0.1:%s {
	iamport_sandbox {
		api_key %s
		api_secret %s
		portone {
			api_secret %s
			store_id %s
		}
	}
}
`, sbPort, g.key, testSecret, testSecretV2, testStoreV2)
	g.caddyfile = b.String()
	g.config = filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(g.config, []byte(g.caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(g.caddyfile), map[string]any{"filename": g.config})
	if err != nil {
		t.Fatalf("adapting the test Caddyfile: %v", err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("starting Caddy: %v", err)
		}
		t.Skipf("starting Caddy: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	return g
}

// configWith writes, for the commands only, the gateway's Caddyfile plus
// extra sites on the gateway's port, and returns its path. (The running
// Caddy never loads them: some would not even provision.)
func (g *gateway) configWith(t *testing.T, extra ...site) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(g.caddyfile)
	for _, s := range extra {
		fmt.Fprintf(&b, `
http://%s:%s {
	iamport_verify {
		%s
	}
	reverse_proxy %s
}
`, s.host, g.port, strings.ReplaceAll(s.verify, "SANDBOX", g.sandbox), g.backend.addr())
	}
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePort returns a loopback port that was free a moment ago. The tests
// use ports of their own, not the fixed ones of caddymodule's tests, so the
// two packages' tests can run at the same time.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// result is what one command run gave: its output streams, the error the
// cobra command returned (which Caddy logs), and the exit status Caddy's
// main would use.
type result struct {
	stdout, stderr string
	err            error
	status         int
}

// all is every output of the run, for checks that nothing leaks.
func (r result) all() string {
	s := r.stdout + r.stderr
	if r.err != nil {
		s += r.err.Error()
	}
	return s
}

// run runs `caddy iamport <args>` in-process with stdin as standard input:
// the command registered with Caddy's registry, built as Caddy builds it.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	reg, ok := caddycmd.Commands()["iamport"]
	if !ok {
		t.Fatal("no iamport command registered with Caddy")
	}
	root := &cobra.Command{Use: reg.Name + " " + reg.Usage, Short: reg.Short, Long: reg.Long}
	reg.CobraFunc(root)
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	return result{stdout: out.String(), stderr: errOut.String(), err: err, status: exitStatus(err)}
}

// exitStatus is the status caddycmd.Main exits with for err: 0 for nil,
// the ExitCode of Caddy's (unexported) exit error, which
// WrapCommandFuncForCobra returns for statuses above 1, and 1 otherwise.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("ExitCode"); f.IsValid() && f.CanInt() {
			return int(f.Int())
		}
	}
	return 1
}

// assertNoSecret fails when any output of r carries a secret.
func assertNoSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, testSecret, testCIKey, wrongSecret, testSecretV2) {
		if strings.Contains(r.all(), s) {
			t.Fatalf("output carries secret %q:\n%s", s, r.all())
		}
	}
}

// backend is a recording upstream.
type backend struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.got = append(b.got, r.Header.Clone())
		b.mu.Unlock()
		fmt.Fprint(w, "backend ok")
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) addr() string { return strings.TrimPrefix(b.srv.URL, "http://") }

func (b *backend) headers() []http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]http.Header(nil), b.got...)
}

// signup posts a verification to the gateway and returns the status.
func (g *gateway) signup(t *testing.T, id string) int {
	t.Helper()
	resp, err := http.Post("http://"+g.addr+"/signup", "application/json", strings.NewReader(`{"imp_uid":"`+id+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// sandboxRecord fetches a certification straight from the sandbox, an
// independent source of truth for the fields lookup prints.
func (g *gateway) sandboxRecord(t *testing.T, id string) map[string]any {
	t.Helper()
	return sandboxtest.Certification(t, g.sandbox, g.key, testSecret, id)
}

// sandboxStats returns the sandbox's call counters.
func (g *gateway) sandboxStats(t *testing.T) (getToken, certifications int64) {
	t.Helper()
	s := sandboxtest.Stats(t, g.sandbox)
	return s.GetToken, s.Certifications
}

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		runCaddyMain()
	}
	// Caddy writes autosave.json under the config dir; keep it out of $HOME.
	dir, err := os.MkdirTemp("", "iamportcmd-test")
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
