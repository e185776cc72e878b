package iamportcmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/verigate/caddy-iamport/caddymodule"
	"github.com/verigate/caddy-iamport/internal/policy"
)

func checkCommand() *cobra.Command {
	cmd := newCommand(&cobra.Command{
		Use:   "check [--config <path>] [--adapter <name>] [--site <address>] [--source iamport|portone]",
		Short: "Proves the credentials of every iamport_verify handler",
		Long: `
Loads the config as 'caddy run' does and, for every iamport_verify handler,
resolves its settings as the running handler does ({env.*} and {file.*}
placeholders included) and proves its credentials with one round trip of
its own: a getToken call for i'mport V1; for PortOne V2, which has no
token, an authenticated request for a random id that cannot name a real
verification (PortOne checks the secret and store before the id, so its
"not found" proves both). The token cache of a running gateway is neither
read nor changed.

For each handler it prints one line: "ok" or "FAIL", the site address and
the handler's number on that site, the API base URL and source, and either
the token's remaining lifetime (V1) and the clock skew against the API's
clock (i'mport's now; for V2 the answer's Date header), or the cause of the
failure. A clock skew of more than 5 minutes is a failure:
the gateway judges certified_at on its own clock.

Exit status 0 when every handler passes, 1 otherwise. Secrets and tokens
are never printed.
`,
		Example: `  $ caddy iamport check --config /etc/caddy/Caddyfile`,
		Args:    cobra.NoArgs,
		RunE:    runE(runCheck),
	})
	configFlags(cmd)
	return cmd
}

func runCheck(cmd *cobra.Command, fl caddycmd.Flags) (int, error) {
	handlers, err := loadHandlers(selectionFlags(fl))
	if err != nil {
		return 1, err
	}
	out := cmd.OutOrStdout()
	var failed []string
	for _, h := range handlers {
		if err := checkOne(cmd.Context(), out, h); err != nil {
			failed = append(failed, h.label)
		}
	}
	if len(failed) > 0 {
		return 1, fmt.Errorf("%d of %d iamport_verify handlers failed the check: %s",
			len(failed), len(handlers), strings.Join(failed, "; "))
	}
	return 0, nil
}

// checkOne checks one handler and prints its line; the error says that it
// failed (the line says why).
func checkOne(ctx context.Context, out io.Writer, h handlerRef) error {
	api := ""
	fail := func(err error) error {
		fmt.Fprintf(out, "FAIL  %s%s: %v\n", h.label, api, err)
		return err
	}
	s, err := caddymodule.LoadStandalone(h.raw)
	if err != nil {
		return fail(err)
	}
	defer s.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := s.CheckCredentials(ctx)
	if c.APIBase != "" {
		api = fmt.Sprintf("  api %s (%s)", c.APIBase, s.SourceName())
	}
	if err != nil {
		return fail(err)
	}
	skew := fmt.Sprintf("clock skew %s ±%s (%s)", signed(c.ClockSkew), c.SkewError.Round(100*time.Millisecond), c.ClockFrom)
	if c.ClockSkew > policy.MaxClockSkew || c.ClockSkew < -policy.MaxClockSkew {
		return fail(fmt.Errorf("%s exceeds %s: the gateway would misjudge how fresh a verification is; set this machine's clock (NTP)", skew, policy.MaxClockSkew))
	}
	token := ""
	if c.TokenLifetime > 0 {
		token = fmt.Sprintf("  token valid for %s", c.TokenLifetime)
	}
	fmt.Fprintf(out, "ok    %s%s%s  %s\n", h.label, api, token, skew)
	return nil
}

// signed formats d rounded to 100 ms, with its sign.
func signed(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	if d < 0 {
		return d.String()
	}
	return "+" + d.String()
}
