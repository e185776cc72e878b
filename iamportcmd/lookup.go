package iamportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/verigate/caddy-iamport/caddymodule"
	"github.com/verigate/caddy-iamport/internal/policy"
)

// revealWarning is written to standard error when --reveal is given.
const revealWarning = "WARNING: --reveal prints personal data (name, phone number, date of birth, CI, DI) in clear. " +
	"Keep it out of tickets, chats and logs; the masked output is enough to tell records apart."

func lookupCommand() *cobra.Command {
	cmd := newCommand(&cobra.Command{
		Use:   "lookup [--config <path>] [--adapter <name>] [--site <address>] [--source iamport|portone] [--reveal] <id>",
		Short: "Shows one verification and the decision the gateway would make on it",
		Long: `
Loads the config as 'caddy run' does and, for every iamport_verify handler
(or those --site and --source select), fetches the verification <id> the
way the handler does (its credentials,
API base and time budget), prints the normalised record, and the decision
the handler would make today: "verified", or the refusal code with its
HTTP status and detail.

lookup never reserves the id and never reads the single-use store: the id
stays usable for a signup, and a verification that was already used still
shows "verified" here (the gateway would answer imp_uid_reused).

Personal fields are masked (name 홍*동, phone 010****5678, date of birth
1990-**-**, CI and DI by length); the CI hash the gateway would send as
X-Verified-CI-Hash is printed in full. --reveal prints every field in clear,
with a warning on standard error.

Exit status 0 when every handler would pass the verification, 3 when at
least one would refuse it, 1 when the command could not run.
`,
		Example: `  $ caddy iamport lookup --config /etc/caddy/Caddyfile imp_123456789012`,
		RunE:    runE(runLookup),
	})
	// A refusal is an answer, not an error: exit status 3 without cobra's
	// "Error: exiting with status 3" line.
	cmd.SilenceErrors = true
	configFlags(cmd)
	cmd.Flags().Bool("reveal", false, "Print personal fields in clear (writes a warning to standard error)")
	return cmd
}

func runLookup(cmd *cobra.Command, fl caddycmd.Flags) (int, error) {
	if fl.NArg() != 1 {
		return 1, errors.New("lookup takes exactly one argument, the verification id")
	}
	id := fl.Arg(0)
	handlers, err := loadHandlers(selectionFlags(fl))
	if err != nil {
		return 1, err
	}
	reveal := fl.Bool("reveal")
	if reveal {
		fmt.Fprintln(cmd.ErrOrStderr(), revealWarning)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	out := cmd.OutOrStdout()
	status := 0
	for i, h := range handlers {
		if i > 0 {
			fmt.Fprintln(out)
		}
		refused, err := lookupOne(ctx, out, h, id, reveal)
		if err != nil {
			return 1, fmt.Errorf("%s: %w", h.label, err)
		}
		if refused {
			status = exitRefused
		}
	}
	return status, nil
}

// lookupOne prints one handler's view of id and reports whether the
// handler would refuse it.
func lookupOne(ctx context.Context, out io.Writer, h handlerRef, id string, reveal bool) (bool, error) {
	s, err := caddymodule.LoadStandalone(h.raw)
	if err != nil {
		return false, err
	}
	defer s.Close()
	j := s.Judge(ctx, id)
	now := time.Now()

	fmt.Fprintln(out, h.label)
	field := func(name, value string) { fmt.Fprintf(out, "  %-13s %s\n", name, value) }
	field("id", id)
	field("source", s.SourceName())
	if j.Record.Source != "" {
		printRecord(field, j, s.Policy().Basis, now, reveal)
	}
	if j.Refusal == nil {
		field("decision", fmt.Sprintf("verified (age %d, birth year %d)", j.Decision.Age, j.Decision.BirthYear))
	} else {
		field("decision", fmt.Sprintf("%s (%d): %s", j.Refusal.Code, j.Refusal.Code.Status(), j.Refusal.Detail))
		if j.Refusal.Err != nil {
			// Causes come from this module's packages, which never put
			// personal data, tokens or secrets into error texts.
			field("cause", j.Refusal.Err.Error())
		}
	}
	field("single use", "not consulted: lookup never reserves an id nor reads which ids were used")
	return j.Refusal != nil, nil
}

// printRecord prints the normalised record, masked unless reveal.
func printRecord(field func(name, value string), j caddymodule.Judgement, basis policy.Basis, now time.Time, reveal bool) {
	rec := j.Record
	mask := func(v string, m func(string) string) string {
		switch {
		case v == "":
			return "(none)"
		case reveal:
			return v
		}
		return m(v)
	}
	field("certified", strconv.FormatBool(rec.Certified))
	if rec.CertifiedAt.IsZero() {
		field("certified_at", "(none)")
	} else {
		field("certified_at", fmt.Sprintf("%s (%s ago)", rec.CertifiedAt.UTC().Format(time.RFC3339), now.Sub(rec.CertifiedAt).Round(time.Second)))
	}
	field("name", mask(rec.Name, maskName))
	field("gender", valueOr(rec.Gender))
	if rec.Birthday.IsZero() {
		field("birthday", "(none)")
	} else {
		birthday := rec.Birthday.String()
		if !reveal {
			birthday = fmt.Sprintf("%04d-**-**", rec.Birthday.Year)
		}
		field("birthday", birthday)
		field("age", fmt.Sprintf("%d (%s basis, today in Asia/Seoul)", policy.Age(rec.Birthday, now, basis), basis))
	}
	if rec.ForeignerUnknown {
		field("foreigner", "(unknown: the source did not say)")
	} else {
		field("foreigner", strconv.FormatBool(rec.Foreigner))
	}
	field("phone", mask(rec.Phone, maskPhone))
	field("carrier", valueOr(rec.Carrier))
	field("ci", mask(rec.CI, maskOpaque))
	field("ci_hash", valueOr(j.CIHash))
	field("di", mask(rec.DI, maskOpaque))
}

func valueOr(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}
