package iamportcmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
)

// TestConfigFlagsBehaveAsForCaddyRun runs check with every way `caddy run`
// accepts a config: a JSON file, a Caddyfile by name, a file of another
// name with --adapter, the adjacent Caddyfile without --config; and the
// mistakes it refuses.
func TestConfigFlagsBehaveAsForCaddyRun(t *testing.T) {
	g := startGateway(t)
	dir := t.TempDir()
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(g.caddyfile), nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jsonCfg := write("caddy.json", adapted)
	conf := write("gateway.conf", []byte(g.caddyfile))
	dotCaddyfile := write("gateway.caddyfile", []byte(g.caddyfile))
	empty := t.TempDir()

	tests := []struct {
		name    string
		chdir   string
		args    []string
		wantErr string // "" for success
	}{
		{"JSON config", "", []string{"--config", jsonCfg}, ""},
		{"Caddyfile by name", "", []string{"--config", g.config}, ""},
		{".caddyfile extension", "", []string{"-c", dotCaddyfile}, ""},
		{"other name with --adapter", "", []string{"--config", conf, "--adapter", "caddyfile"}, ""},
		{"other name without --adapter", "", []string{"--config", conf}, "did you mean to use a config adapter"},
		{"adapter without config", "", []string{"--adapter", "caddyfile"}, "cannot adapt config without config file"},
		{"unknown adapter", "", []string{"--config", conf, "-a", "nope"}, "unrecognized config adapter: nope"},
		{"missing file", "", []string{"--config", filepath.Join(empty, "none")}, "reading config from file"},
		{"adjacent Caddyfile", filepath.Dir(g.config), nil, ""},
		{"no config at all", empty, nil, "no config: give one with --config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chdir != "" {
				t.Chdir(tt.chdir)
			}
			r := run(t, "", append([]string{"check"}, tt.args...)...)
			if tt.wantErr == "" {
				if r.status != 0 || !strings.HasPrefix(r.stdout, "ok    "+g.addr+" #1") {
					t.Fatalf("status %d, err %v, stdout:\n%s", r.status, r.err, r.stdout)
				}
				return
			}
			if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) {
				t.Fatalf("status %d, err %v; want 1 and %q", r.status, r.err, tt.wantErr)
			}
		})
	}
}

// mainEnv makes the test binary run Caddy's own main (see TestMain), so
// that TestRealCaddyMainRunsTheCommands runs `caddy iamport ...` exactly as
// an operator's binary does, exit status included, without building one.
const mainEnv = "IAMPORTCMD_TEST_RUN_CADDY_MAIN"

func runCaddyMain() {
	os.Args = append([]string{"caddy"}, os.Args[1:]...)
	caddycmd.Main()
	os.Exit(0)
}

func TestRealCaddyMainRunsTheCommands(t *testing.T) {
	g := startGateway(t)
	t.Setenv("IAMPORTCMD_TEST_CI_KEY", testCIKey)
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantStatus int
		wantOut    string
	}{
		{"check passes", []string{"iamport", "check", "--config", g.config}, "", 0, "ok    " + g.addr + " #1"},
		{"lookup of an adult exits 0", []string{"iamport", "lookup", "--config", g.config, idAdult}, "", 0, "decision      verified"},
		{"lookup of a minor exits 3", []string{"iamport", "lookup", "--config", g.config, idMinor}, "", 3, "decision      underage"},
		{"hash-ci hashes", []string{"iamport", "hash-ci", "--key-env", "IAMPORTCMD_TEST_CI_KEY"}, "ci\n", 0, hmacHex(testCIKey, "ci") + "\n"},
		{"hash-ci refuses a key argument", []string{"iamport", "hash-ci", testCIKey}, "ci\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), mainEnv+"=1")
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			status := 0
			if ee, ok := err.(*exec.ExitError); ok {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || !strings.Contains(string(out), tt.wantOut) {
				t.Fatalf("status %d, want %d; stdout:\n%s\nstderr:\n%s", status, tt.wantStatus, out, stderr.String())
			}
			for _, s := range []string{testSecret, testCIKey} {
				if strings.Contains(string(out)+stderr.String(), s) {
					t.Fatalf("output carries secret %q", s)
				}
			}
			if status == 3 && strings.Contains(stderr.String(), "Error:") {
				t.Fatalf("a refusal printed an error line: %s", stderr.String())
			}
		})
	}
}
