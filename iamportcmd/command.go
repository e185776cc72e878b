// Package iamportcmd registers `caddy iamport`, the operator's commands,
// with Caddy's command registry. The plugin's root package imports it, so
// every build that carries iamport_verify carries them:
//
//   - `caddy iamport check` proves the credentials of every iamport_verify
//     handler of a config and reports each API's base URL, token lifetime
//     and clock skew;
//   - `caddy iamport lookup <id>` shows one verification as the gateway
//     would read it, with personal fields masked, and the decision the
//     gateway would make today, without reserving the id;
//   - `caddy iamport hash-ci` turns raw CIs into the X-Verified-CI-Hash
//     values the gateway sends, for moving a database to the hash.
//
// check and lookup read the config as `caddy run` does (--config,
// --adapter, or an adjacent Caddyfile) and provision each handler with its
// own Provision, so placeholders, defaults and policy are the running
// gateway's. The logic lives in the internal packages and in caddymodule;
// this package only parses flags and prints.
package iamportcmd

import (
	"github.com/spf13/cobra"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
)

// Exit statuses beyond Caddy's 0 (success) and 1 (an error, logged by
// Caddy).
const (
	// exitRefused is lookup's status when the gateway would refuse the
	// verification on at least one handler.
	exitRefused = 3
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "iamport",
		Usage: "check|lookup|hash-ci",
		Short: "Checks i'mport credentials, looks a verification up, hashes CIs",
		Long: `
The operator's commands of the caddy-iamport plugin.

  check    proves the credentials of every iamport_verify handler
  lookup   shows one verification and the gateway's decision on it
  hash-ci  writes the CI hash (X-Verified-CI-Hash) of each raw CI on stdin

check and lookup read the same config as 'caddy run' (--config, --adapter).
Secrets are never printed. Run 'caddy iamport <command> --help' for details.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(checkCommand(), lookupCommand(), hashCICommand())
		},
	})
}

// commandFunc is one subcommand's body: it parses what it needs from fl
// and writes its results to cmd's output streams.
type commandFunc func(cmd *cobra.Command, fl caddycmd.Flags) (int, error)

// runE wraps f the way Caddy wraps its own commands
// (caddycmd.WrapCommandFuncForCobra): an error is logged through Caddy's
// logger, and a status above 1 becomes the process's exit status.
func runE(f commandFunc) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return caddycmd.WrapCommandFuncForCobra(func(fl caddycmd.Flags) (int, error) {
			return f(cmd, fl)
		})(cmd, args)
	}
}

// newCommand returns a subcommand that, like Caddy's own, does not print its
// usage after a failure (the root command of `caddy` sets the same).
func newCommand(cmd *cobra.Command) *cobra.Command {
	cmd.SilenceUsage = true
	return cmd
}

// configFlags adds the flags `caddy run` reads its config with.
func configFlags(cmd *cobra.Command) {
	cmd.Flags().StringP("config", "c", "", "Configuration file (default: ./Caddyfile, as for caddy run)")
	cmd.Flags().StringP("adapter", "a", "", "Name of config adapter to apply")
	cmd.Flags().String("site", "", "Only the handlers of this site address (as printed, e.g. example.com:443)")
	cmd.Flags().String("source", "", "Only the handlers of this verification source: iamport (V1) or portone (V2)")
}
