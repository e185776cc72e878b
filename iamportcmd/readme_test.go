package iamportcmd_test

import (
	"os"
	"strings"
	"testing"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestReadmeDocumentsEveryCommandAndFlag keeps the README's "Commands"
// section in step with the registered commands.
func TestReadmeDocumentsEveryCommandAndFlag(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "### Commands")
	end := strings.Index(readme, "### Moving a database from raw CIs to the hash")
	if start < 0 || end < start {
		t.Fatal("README lacks the Commands section followed by the migration recipe")
	}
	section := readme[start:end]
	reg := caddycmd.Commands()["iamport"]
	root := &cobra.Command{Use: reg.Name}
	reg.CobraFunc(root)
	if len(root.Commands()) == 0 {
		t.Fatal("no subcommands")
	}
	for _, sub := range root.Commands() {
		if !strings.Contains(section, "`caddy iamport "+sub.Name()) {
			t.Errorf("README's Commands section lacks caddy iamport %s", sub.Name())
		}
		sub.Flags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(section, "--"+f.Name) {
				t.Errorf("README's Commands section lacks %s's --%s", sub.Name(), f.Name)
			}
		})
	}
}
