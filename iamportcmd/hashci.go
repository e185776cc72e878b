package iamportcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/verigate/caddy-iamport/caddymodule"
	"github.com/verigate/caddy-iamport/internal/identity"
)

// maxCILine bounds one input line (an i'mport CI is 88 characters).
const maxCILine = 64 << 10

func hashCICommand() *cobra.Command {
	cmd := newCommand(&cobra.Command{
		Use:   "hash-ci (--key-env <NAME> | --key-file <path>) < cis.txt > hashes.txt",
		Short: "Writes the CI hash the gateway sends for each raw CI on standard input",
		Long: `
Reads raw CIs (i'mport's unique_key), one per line, on standard input, and
writes for each, on its own line and in the same order, the hash the
gateway sends as X-Verified-CI-Hash: the lower-case hex HMAC-SHA256 of the
CI under ci_hash_key. For moving a database that stored raw CIs to the hash
(see the README's migration recipe).

The key is read exactly as the config reads ci_hash_key, so that the hashes
match the gateway's: --key-env NAME reads it from the environment variable
NAME (as {env.NAME} does), --key-file PATH from a file (as {file.PATH}
does: a final line break is ignored). The key itself is never an argument:
it would show in the process list and the shell history.

A line ends at "\n" or "\r\n"; the rest is hashed byte for byte. An empty
line, or one with leading or trailing white space, stops the command with
an error naming the line (a CI has no white space, and hashing a padded
value would silently give a hash no signup ever matches). Exit status 0
when every line was hashed, 1 otherwise.
`,
		Example: `  $ export CI_HASH_KEY=...   # the value ci_hash_key resolves to
  $ caddy iamport hash-ci --key-env CI_HASH_KEY < cis.txt > hashes.txt
  $ caddy iamport hash-ci --key-file /run/secrets/ci_hash_key < cis.txt > hashes.txt`,
		RunE: runE(runHashCI),
	})
	cmd.Flags().String("key-env", "", "Name of the environment variable holding ci_hash_key")
	cmd.Flags().String("key-file", "", "Path of the file holding ci_hash_key")
	return cmd
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func runHashCI(cmd *cobra.Command, fl caddycmd.Flags) (int, error) {
	if fl.NArg() > 0 {
		// The argument is not repeated: it may be the key itself.
		return 1, errors.New("hash-ci takes no arguments: give the key with --key-env NAME or --key-file PATH " +
			"(a key given as an argument would show in the process list), and the CIs on standard input")
	}
	key, err := hashKey(fl.String("key-env"), fl.String("key-file"))
	if err != nil {
		return 1, err
	}
	if err := hashLines(cmd.InOrStdin(), cmd.OutOrStdout(), []byte(key)); err != nil {
		return 1, err
	}
	return 0, nil
}

// hashKey reads ci_hash_key from the environment variable or the file, by
// building the placeholder a config would hold ({env.NAME}, {file.PATH})
// and resolving it with the handler's own function.
func hashKey(env, file string) (string, error) {
	var placeholder, flag string
	switch {
	case env != "" && file != "":
		return "", errors.New("give the key with either --key-env or --key-file, not both")
	case env != "":
		if !envName.MatchString(env) {
			return "", errors.New("--key-env: want the name of an environment variable (letters, digits, '_'), not its value")
		}
		placeholder, flag = "{env."+env+"}", "--key-env "+env
	case file != "":
		if strings.ContainsAny(file, "{}\\") {
			return "", errors.New("--key-file: the path may not contain '{', '}' or '\\'")
		}
		placeholder, flag = "{file."+file+"}", "--key-file "+file
	default:
		return "", errors.New("give the key with --key-env NAME or --key-file PATH")
	}
	key, err := caddymodule.ResolveSecret("ci_hash_key", placeholder)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	return key, nil
}

// hashLines writes the CI hash of each line of in to out.
func hashLines(in io.Reader, out io.Writer, key []byte) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxCILine)
	w := bufio.NewWriter(out)
	hasher := identity.NewCIHasher(key)
	n := 0
	for sc.Scan() {
		n++
		ci := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case ci == "":
			return flushed(w, fmt.Errorf("line %d is empty: a CI is never empty", n))
		case strings.TrimSpace(ci) != ci:
			return flushed(w, fmt.Errorf("line %d has leading or trailing white space, which no CI has: trim the export", n))
		}
		w.WriteString(hasher.Hash(ci))
		w.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return flushed(w, fmt.Errorf("reading line %d: %w", n+1, err))
	}
	return flushed(w, nil)
}

// flushed flushes w and returns err, or the flush's error.
func flushed(w *bufio.Writer, err error) error {
	if ferr := w.Flush(); ferr != nil && err == nil {
		return fmt.Errorf("writing hashes: %w", ferr)
	}
	return err
}
