package iamportcmd_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHashCIMatchesTheGatewaysHeader signs two identities up through the
// gateway, whose ci_hash_key is {file.*} of a file ending in a newline, and
// hashes their raw CIs (taken from the sandbox) with hash-ci: the output is
// exactly the X-Verified-CI-Hash values the backend received, whether the
// key comes from that same file or from an environment variable, and
// whatever the line endings.
func TestHashCIMatchesTheGatewaysHeader(t *testing.T) {
	g := startGateway(t)
	ids := []string{idAdult, idHangul}
	var cis, want []string
	for _, id := range ids {
		if status := g.signup(t, id); status != http.StatusOK {
			t.Fatalf("signup %s: status %d", id, status)
		}
		got := g.backend.headers()
		want = append(want, got[len(got)-1].Get("X-Verified-CI-Hash"))
		cis = append(cis, g.sandboxRecord(t, id)["unique_key"].(string))
	}
	t.Setenv("IAMPORTCMD_TEST_CI_KEY", testCIKey)
	wantOut := strings.Join(want, "\n") + "\n"
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"key file with a trailing newline", strings.Join(cis, "\n") + "\n", []string{"--key-file", g.keyFile}},
		{"key from the environment", strings.Join(cis, "\n") + "\n", []string{"--key-env", "IAMPORTCMD_TEST_CI_KEY"}},
		{"CRLF line endings", strings.Join(cis, "\r\n") + "\r\n", []string{"--key-file", g.keyFile}},
		{"no final line break", strings.Join(cis, "\n"), []string{"--key-env", "IAMPORTCMD_TEST_CI_KEY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, append([]string{"hash-ci"}, tt.args...)...)
			if r.status != 0 || r.err != nil {
				t.Fatalf("status %d, err %v", r.status, r.err)
			}
			if r.stdout != wantOut {
				t.Fatalf("hash-ci wrote\n%s\nthe gateway sent\n%s", r.stdout, wantOut)
			}
			assertNoSecret(t, r, cis...)
		})
	}
}

// TestHashCIRefusesAKeyItCannotReadAsTheConfigDoes covers every way of
// giving the key that is not an environment variable or file name: none
// hashes anything, and none repeats the key.
func TestHashCIRefusesAKeyItCannotReadAsTheConfigDoes(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IAMPORTCMD_TEST_CI_KEY", testCIKey)
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"key as an argument", []string{testCIKey}, "takes no arguments"},
		{"key as an argument after a flag", []string{"--key-env", "IAMPORTCMD_TEST_CI_KEY", testCIKey}, "takes no arguments"},
		{"a --key flag", []string{"--key", testCIKey}, "unknown flag: --key"},
		{"a --key= flag", []string{"--key=" + testCIKey}, "unknown flag: --key"},
		{"the key's value given to --key-env", []string{"--key-env", testCIKey}, "the name of an environment variable"},
		{"no key", nil, "give the key with --key-env NAME or --key-file PATH"},
		{"both flags", []string{"--key-env", "IAMPORTCMD_TEST_CI_KEY", "--key-file", empty}, "not both"},
		{"unset variable", []string{"--key-env", "IAMPORTCMD_TEST_UNSET"}, "--key-env IAMPORTCMD_TEST_UNSET: resolving ci_hash_key"},
		{"file holding only a newline", []string{"--key-file", empty}, "resolving ci_hash_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "some-ci\n", append([]string{"hash-ci"}, tt.args...)...)
			if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
				t.Fatalf("status %d, err %v; want 1 and %q", r.status, r.err, tt.want)
			}
			if r.stdout != "" {
				t.Fatalf("hashed something: %q", r.stdout)
			}
			assertNoSecret(t, r)
		})
	}
}

func TestHashCIStopsAtALineItWouldHashUnfaithfully(t *testing.T) {
	t.Setenv("IAMPORTCMD_TEST_CI_KEY", testCIKey)
	good := hmacHex(testCIKey, "first-ci") + "\n"
	tests := []struct {
		name, stdin, want string
	}{
		{"empty line", "first-ci\n\nthird\n", "line 2 is empty"},
		{"leading space", "first-ci\n second\n", "line 2 has leading or trailing white space"},
		{"trailing space", "first-ci\nsecond \n", "line 2 has leading or trailing white space"},
		{"trailing tab before CRLF", "first-ci\nsecond\t\r\n", "line 2 has leading or trailing white space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, "hash-ci", "--key-env", "IAMPORTCMD_TEST_CI_KEY")
			if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
				t.Fatalf("status %d, err %v; want 1 and %q", r.status, r.err, tt.want)
			}
			if r.stdout != good {
				t.Fatalf("stdout %q, want only the first line's hash", r.stdout)
			}
		})
	}
}
