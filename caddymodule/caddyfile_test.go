package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

const minimalBlock = `
	api_key {env.K}
	api_secret {env.S}
	ci_hash_key {file./run/secrets/ci}
`

func TestUnmarshalCaddyfileReadsEverySubdirective(t *testing.T) {
	input := `iamport_verify {
	api_key {env.K}
	api_secret {env.S}
	api_base http://127.0.0.1:8081
	timeout 3s
	verify {
		method POST
		path /signup
	}
	field certification_id
	max_body 64KiB
	min_age 19
	max_age 65
	age_basis year
	foreigners deny
	max_verification_age 10m
	single_use redis redis://:pw@127.0.0.1:6379/0
	ci_hash_key {env.CI}
	header_prefix X-Identity-
	forward name age
	forward imp_uid
	refusals handle_errors
}`
	var v Verify
	if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	want := Verify{
		APIKey: "{env.K}", APISecret: "{env.S}", APIBase: "http://127.0.0.1:8081",
		Timeout: caddy.Duration(3 * time.Second), Field: "certification_id", MaxBody: 64 << 10,
		MinAge: 19, MaxAge: 65, AgeBasis: "year", Foreigners: "deny",
		MaxVerificationAge: caddy.Duration(10 * time.Minute), SingleUse: "redis",
		RedisURL: "redis://:pw@127.0.0.1:6379/0", CIHashKey: "{env.CI}", HeaderPrefix: "X-Identity-",
		Forward: []string{"name", "age", "imp_uid"}, Refusals: "handle_errors",
	}
	if len(v.VerifyRaw) != 1 || v.VerifyRaw[0]["method"] == nil || v.VerifyRaw[0]["path"] == nil {
		t.Fatalf("verify matchers = %v", v.VerifyRaw)
	}
	v.VerifyRaw = nil
	gotJSON, _ := json.Marshal(v)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("got  %s\nwant %s", gotJSON, wantJSON)
	}
}

// TestUnmarshalCaddyfileRefusesBadConfigAtItsLine proves that every
// Caddyfile error names the file and the line an operator must fix: the
// subdirective's line for a bad value, the directive's line for a missing
// required subdirective (not the closing brace). The block starts on line
// 3; minimalBlock fills lines 4-7 and a case's own lines start at 8.
func TestUnmarshalCaddyfileRefusesBadConfigAtItsLine(t *testing.T) {
	cases := []struct {
		name, block, wantErr string
		line                 int
	}{
		{"unknown subdirective", minimalBlock + "\tcolour blue\n", "unrecognized subdirective: colour", 8},
		{"missing api_key", "\tapi_secret s\n\tci_hash_key c\n", "iamport_verify: api_key is required", 3},
		{"missing api_secret", "\tapi_key k\n\tci_hash_key c\n", "iamport_verify: api_secret is required", 3},
		{"missing ci_hash_key", "\tapi_key k\n\tapi_secret s\n\n\n\tmin_age 19\n", "iamport_verify: ci_hash_key is required", 3},
		{"missing every secret", "\tmin_age 19\n", "iamport_verify: api_key, api_secret, ci_hash_key are required", 3},
		{"repeated api_key", minimalBlock + "\tapi_key k2\n", "api_key already specified", 8},
		{"api_key without value", "\tapi_key\n\tapi_secret s\n\tci_hash_key c\n", "wrong argument count", 4},
		{"empty api_key", "\tapi_key \"\"\n\tapi_secret s\n\tci_hash_key c\n", "api_key: empty value", 4},
		{"empty field", minimalBlock + "\tfield \"\"\n", "field: empty value", 8},
		{"empty env placeholder", "\tapi_key k\n\tapi_secret {env.}\n\tci_hash_key c\n", "api_secret: a placeholder {env.} or {file.} names no variable", 5},
		{"empty file placeholder", "\tapi_key k\n\tapi_secret s\n\tci_hash_key {file.}\n", "ci_hash_key: a placeholder {env.} or {file.} names no", 6},
		{"unclosed placeholder", "\tapi_key {env.KEY\n\tapi_secret s\n\tci_hash_key c\n", "api_key: unclosed placeholder", 4},
		{"request placeholder in a secret", "\tapi_key k\n\tapi_secret s\n\tci_hash_key {http.request.header.X-Key}\n", "ci_hash_key: unknown placeholder", 6},
		{"request placeholder in api_base", minimalBlock + "\tapi_base {http.request.host}\n", "unknown placeholder", 8},
		{"repeated subdirective", minimalBlock + "\ttimeout 1s\n\ttimeout 2s\n", "timeout already specified", 9},
		{"bad duration", minimalBlock + "\ttimeout soon\n", `invalid timeout "soon"`, 8},
		{"negative duration", minimalBlock + "\tmax_verification_age -5m\n", "invalid max_verification_age", 8},
		{"bad size", minimalBlock + "\tmax_body lots\n", "invalid max_body", 8},
		{"zero size", minimalBlock + "\tmax_body 0\n", "invalid max_body", 8},
		{"bad age", minimalBlock + "\tmin_age nineteen\n", "invalid min_age", 8},
		{"negative age", minimalBlock + "\tmax_age -1\n", "invalid max_age", 8},
		{"min above max", minimalBlock + "\tmin_age 30\n\tmax_age 20\n", "min_age 30 is above max_age 20", 9},
		{"max below min", minimalBlock + "\tmax_age 20\n\tfield f\n\tmin_age 30\n", "min_age 30 is above max_age 20", 10},
		{"bad basis", minimalBlock + "\tage_basis korean\n", `age_basis: parsing age basis "korean"`, 8},
		{"bad foreigners", minimalBlock + "\tforeigners maybe\n", `foreigners: parsing foreigners "maybe"`, 8},
		{"bad single_use", minimalBlock + "\tsingle_use sometimes\n", `single_use: unknown mode "sometimes"`, 8},
		{"single_use on with an argument", minimalBlock + "\tsingle_use on redis://x\n", "wrong argument count", 8},
		{"redis without url", minimalBlock + "\tsingle_use redis\n", "wrong argument count", 8},
		{"bad forward field", minimalBlock + "\tforward name ssn\n", "forward", 8},
		{"bad refusals", minimalBlock + "\trefusals html\n", `refusals: unknown mode "html"`, 8},
		{"bad prefix", minimalBlock + "\theader_prefix X_Bad_\n", "header_prefix", 8},
		{"bad api_base", minimalBlock + "\tapi_base ftp://example.com\n", "api_base", 8},
		{"api_base with credentials", minimalBlock + "\tapi_base https://user:hunter2@api.example\n", "user information", 8},
		{"too many args", minimalBlock + "\tfield a b\n", "wrong argument count", 8},
		{"empty verify", minimalBlock + "\tverify {\n\t}\n", "verify needs at least one matcher", 9},
		{"argument on the directive", "", "wrong argument count", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			input := "\n\niamport_verify {\n" + tc.block + "}"
			if tc.name == "argument on the directive" {
				input = "\n\niamport_verify extra {\n" + minimalBlock + "}"
			}
			var v Verify
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
			if err == nil {
				t.Fatalf("no error for %q", input)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not mention %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q repeats a credential from the config", err)
			}
			if at := fmt.Sprintf(", at Testfile:%d", tc.line); !strings.HasSuffix(err.Error(), at) {
				t.Fatalf("error %q does not end with %q", err, at)
			}
		})
	}
}

// TestCaddyfileErrorsPointAtTheDirectiveInASite adapts whole Caddyfiles,
// as `caddy adapt` and `caddy run` do, with iamport_verify at the site
// level and nested in handle and route blocks, and checks that a missing
// api_key is reported at the directive's line in the file.
func TestCaddyfileErrorsPointAtTheDirectiveInASite(t *testing.T) {
	block := "{\n\t\tapi_secret {env.S}\n\t\tci_hash_key {env.C}\n\t}\n"
	cases := []struct {
		name, src string
		line      int
	}{
		{"site level", "localhost {\n\tiamport_verify " + block + "\treverse_proxy 127.0.0.1:1\n}\n", 2},
		{"in handle", "localhost {\n\thandle /signup {\n\t\treverse_proxy 127.0.0.1:1\n\t\tiamport_verify " + block + "\t}\n}\n", 4},
		{"in route after another", "localhost {\n\troute {\n\t\theader X-A b\n\n\t\tiamport_verify /signup " + block + "\t\treverse_proxy 127.0.0.1:1\n\t}\n}\n", 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(tc.src), map[string]any{"filename": "Caddyfile"})
			if err == nil {
				t.Fatalf("no error for\n%s", tc.src)
			}
			want := fmt.Sprintf("api_key is required, at Caddyfile:%d", tc.line)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q, want it to contain %q", err, want)
			}
		})
	}
}

// TestEnumsShareOneParserWithProvision proves that a value the Caddyfile
// refuses is refused by Provision too (a config written in JSON), with the
// same message, for each enum.
func TestEnumsShareOneParserWithProvision(t *testing.T) {
	cases := []struct {
		name  string
		set   func(*Verify)
		line  string
		wants string
	}{
		{"age_basis", func(v *Verify) { v.AgeBasis = "korean" }, "age_basis korean", `age_basis: parsing age basis "korean"`},
		{"foreigners", func(v *Verify) { v.Foreigners = "maybe" }, "foreigners maybe", `foreigners: parsing foreigners "maybe"`},
		{"single_use", func(v *Verify) { v.SingleUse = "sometimes" }, "single_use sometimes", `single_use: unknown mode "sometimes"`},
		{"refusals", func(v *Verify) { v.Refusals = "html" }, "refusals html", `refusals: unknown mode "html"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parsed Verify
			err := parsed.UnmarshalCaddyfile(caddyfile.NewTestDispenser("iamport_verify {" + minimalBlock + "\t" + tc.line + "\n}"))
			if err == nil || !strings.Contains(err.Error(), tc.wants) {
				t.Fatalf("Caddyfile error %v, want %q", err, tc.wants)
			}
			v := &Verify{APIKey: "enum_" + tc.name, APISecret: "s", CIHashKey: "c"}
			tc.set(v)
			ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
			defer cancel()
			err = v.Provision(ctx)
			_ = v.Cleanup()
			if err == nil || !strings.Contains(err.Error(), tc.wants) {
				t.Fatalf("Provision error %v, want %q", err, tc.wants)
			}
		})
	}
}

// TestProvisionChecksPlaceholders proves that a config written in JSON gets
// the placeholder checks at load time that the Caddyfile makes at parse
// time, and that an unset variable fails the config naming the
// placeholder, never the value.
func TestProvisionChecksPlaceholders(t *testing.T) {
	t.Setenv("IAMPORT_TEST_EMPTY", "")
	cases := []struct {
		name      string
		v         Verify
		wantErr   string
		wantNoErr bool
	}{
		{"unclosed placeholder", Verify{APIKey: "{env.K", APISecret: "s", CIHashKey: "c"}, "api_key: unclosed placeholder", false},
		{"request placeholder", Verify{APIKey: "k", APISecret: "{http.request.header.X}", CIHashKey: "c"}, "api_secret: unknown placeholder", false},
		{"unset variable", Verify{APIKey: "k", APISecret: "s", CIHashKey: "{env.IAMPORT_TEST_EMPTY}"}, "{env.IAMPORT_TEST_EMPTY} is empty", false},
		{"escaped braces are literal", Verify{APIKey: `k\{1\}`, APISecret: "s", CIHashKey: "c"}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.APIKey = "ph_" + v.APIKey
			ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
			defer cancel()
			err := v.Provision(ctx)
			_ = v.Cleanup()
			if tc.wantNoErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
