package caddymodule_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/signing"
)

// snippetDir holds the verification snippets the README points to.
const snippetDir = "../docs/assertion"

// snippet is one independent verifier: a program written with another
// language's JOSE library and none of this project's code.
type snippet struct {
	name string
	// missing names what is not installed, with the command that installs
	// it, or returns "".
	missing func() string
	command func(jwksURL, audience, issuer string) *exec.Cmd
}

var snippets = []snippet{
	{
		name: "node (jose)",
		missing: func() string {
			if _, err := exec.LookPath("node"); err != nil {
				return "node is not installed (apt-get install nodejs npm)"
			}
			// jose 6 needs the global WebCrypto of Node 20 and later.
			if exec.Command("node", "-e", "process.exit(globalThis.crypto?.subtle ? 0 : 1)").Run() != nil {
				return "node is older than 20 (jose 6 needs its global WebCrypto)"
			}
			if _, err := os.Stat(filepath.Join(snippetDir, "node_modules", "jose", "package.json")); err != nil {
				return "the jose package is not installed (cd docs/assertion && npm ci)"
			}
			return ""
		},
		command: func(jwksURL, audience, issuer string) *exec.Cmd {
			return exec.Command("node", filepath.Join(snippetDir, "verify.mjs"), jwksURL, audience, issuer)
		},
	},
	{
		name: "python (PyJWT)",
		missing: func() string {
			// Debian's interpreter, where Debian's python3-jwt is installed
			// (not a pyenv or virtualenv python3 earlier on the PATH).
			if _, err := os.Stat(debianPython); err != nil {
				return debianPython + " is not installed (apt-get install python3)"
			}
			if err := exec.Command(debianPython, "-c", "import jwt, cryptography").Run(); err != nil {
				return "PyJWT with cryptography is not installed for " + debianPython + " (apt-get install python3-jwt python3-cryptography)"
			}
			return ""
		},
		command: func(jwksURL, audience, issuer string) *exec.Cmd {
			return exec.Command(debianPython, filepath.Join(snippetDir, "verify.py"), jwksURL, audience, issuer)
		},
	},
}

const debianPython = "/usr/bin/python3"

// TestIndependentVerifiersAcceptOnlyTheRealAssertion runs the Node and
// Python snippets against a real Caddy: with only the JWKS URL, the
// audience and the issuer they accept the assertion of a verified request,
// and refuse it tampered, expired, signed for another audience, valid for
// longer than the gateway ever signs, issued ahead of time, or unsigned.
// Without node/jose or PyJWT they skip with the command that installs
// them; under CI=true they fail instead.
func TestIndependentVerifiersAcceptOnlyTheRealAssertion(t *testing.T) {
	be := newBackend(t)
	dir := storageDir(t)
	tester := startCaddy(t, buildConfig(t, storageOption(dir), be.addr(), []site{
		assertionSite(be.addr(), "assertion "+testAudience, ""),
	}))
	resp, body := postJSON(t, tester, "localhost", "/signup", `{"imp_uid":"`+idAdult+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := be.last(t).Header
	real, ciHash := got.Get("X-Verified-Assertion"), got.Get("X-Verified-Ci-Hash")

	// The other tokens are signed with the gateway's own key, read from its
	// storage, so that only the property under test differs.
	key := storedKeys(t, dir).Signing(time.Now())
	rec := certification.Record{Source: certification.SourceIamport, CertifiedAt: time.Now()}
	claims := signing.IdentityClaims(&rec, ciHash, 30, nil)
	signed := func(is signing.Issuer) string {
		tok, err := is.Sign(key, claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expired := signed(signing.Issuer{Issuer: "caddy-iamport", Audience: testAudience,
		Now: func() time.Time { return time.Now().Add(-5 * time.Minute) }})
	otherAudience := signed(signing.Issuer{Issuer: "caddy-iamport", Audience: "https://other.example"})
	// Issuer.Sign does not apply Check's bound: a token no gateway signs.
	tooLong := signed(signing.Issuer{Issuer: "caddy-iamport", Audience: testAudience, Lifetime: time.Hour})
	future := signed(signing.Issuer{Issuer: "caddy-iamport", Audience: testAudience,
		Now: func() time.Time { return time.Now().Add(5 * time.Minute) }})
	fresh := signed(signing.Issuer{Issuer: "caddy-iamport", Audience: testAudience})
	parts := strings.Split(real, ".")
	sig := []byte(parts[2])
	sig[10] ^= 1 // still base64url, another signature
	tampered := parts[0] + "." + parts[1] + "." + string(sig)

	tests := []struct {
		name, token string
		ok          bool
	}{
		{"real assertion", real, true},
		{"crafted control with the same key", fresh, true},
		{"tampered", tampered, false},
		{"tampered claims", parts[0] + "." + strings.Split(fresh, ".")[1] + "." + parts[2], false},
		{"expired", expired, false},
		{"another audience", otherAudience, false},
		{"valid for an hour", tooLong, false},
		{"issued five minutes ahead", future, false},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + strings.Split(fresh, ".")[1] + ".", false},
	}
	for _, sn := range snippets {
		t.Run(sn.name, func(t *testing.T) {
			if why := sn.missing(); why != "" {
				if os.Getenv("CI") == "true" {
					t.Fatalf("under CI=true: %s", why)
				}
				t.Skipf("SKIP: %s", why)
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					cmd := sn.command(jwksURL, testAudience, "caddy-iamport")
					cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
					cmd.Stdin = strings.NewReader(tt.token)
					var stdout, stderr bytes.Buffer
					cmd.Stdout, cmd.Stderr = &stdout, &stderr
					err := cmd.Run()
					if !tt.ok {
						t.Logf("the snippet says: %s", strings.TrimSpace(stderr.String()))
						if exit, isExit := err.(*exec.ExitError); !isExit || exit.ExitCode() != 1 {
							t.Fatalf("want exit status 1 (refused), got %v; stdout %q stderr %q", err, stdout.String(), stderr.String())
						}
						return
					}
					if err != nil {
						t.Fatalf("refused: %v; stderr %q", err, stderr.String())
					}
					var out map[string]any
					if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
						t.Fatalf("output %q: %v", stdout.String(), err)
					}
					if out["sub"] != ciHash || out["aud"] != testAudience || out["iss"] != "caddy-iamport" || out["src"] != "iamport" {
						t.Fatalf("claims %v, want sub %s", out, ciHash)
					}
				})
			}
		})
	}
}
