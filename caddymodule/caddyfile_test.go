package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
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

func TestUnmarshalCaddyfileRefusesBadConfig(t *testing.T) {
	cases := []struct {
		name, block, wantErr string
	}{
		{"unknown subdirective", minimalBlock + "\tcolour blue\n", "unrecognized subdirective: colour"},
		{"missing api_key", "\tapi_secret s\n\tci_hash_key c\n", "api_key is required"},
		{"missing api_secret", "\tapi_key k\n\tci_hash_key c\n", "api_secret is required"},
		{"missing ci_hash_key", "\tapi_key k\n\tapi_secret s\n", "ci_hash_key is required"},
		{"repeated api_key", minimalBlock + "\tapi_key k2\n", "api_key already specified"},
		{"api_key without value", "\tapi_key\n\tapi_secret s\n\tci_hash_key c\n", "wrong argument count"},
		{"repeated subdirective", minimalBlock + "\ttimeout 1s\n\ttimeout 2s\n", "timeout already specified"},
		{"bad duration", minimalBlock + "\ttimeout soon\n", "invalid timeout"},
		{"negative duration", minimalBlock + "\tmax_verification_age -5m\n", "invalid max_verification_age"},
		{"bad size", minimalBlock + "\tmax_body lots\n", "invalid max_body"},
		{"zero size", minimalBlock + "\tmax_body 0\n", "invalid max_body"},
		{"bad age", minimalBlock + "\tmin_age nineteen\n", "invalid min_age"},
		{"negative age", minimalBlock + "\tmax_age -1\n", "invalid max_age"},
		{"min above max", minimalBlock + "\tmin_age 30\n\tmax_age 20\n", "min_age 30 is above max_age 20"},
		{"bad basis", minimalBlock + "\tage_basis korean\n", "invalid age_basis"},
		{"bad foreigners", minimalBlock + "\tforeigners maybe\n", "invalid foreigners"},
		{"bad single_use", minimalBlock + "\tsingle_use sometimes\n", "invalid single_use"},
		{"redis without url", minimalBlock + "\tsingle_use redis\n", "wrong argument count"},
		{"bad forward field", minimalBlock + "\tforward name ssn\n", "forward"},
		{"bad refusals", minimalBlock + "\trefusals html\n", "invalid refusals"},
		{"bad prefix", minimalBlock + "\theader_prefix X_Bad_\n", "header_prefix"},
		{"bad api_base", minimalBlock + "\tapi_base ftp://example.com\n", "api_base"},
		{"api_base with credentials", minimalBlock + "\tapi_base https://user:hunter2@api.example\n", "user information"},
		{"too many args", minimalBlock + "\tfield a b\n", "wrong argument count"},
		{"empty verify", minimalBlock + "\tverify {\n\t}\n", "verify needs at least one matcher"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			input := "iamport_verify {\n" + tc.block + "}"
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
			if !strings.Contains(err.Error(), "Testfile:") {
				t.Fatalf("error %q does not name the file and line", err)
			}
		})
	}
}

func TestUnmarshalCaddyfileErrorNamesTheLine(t *testing.T) {
	input := "iamport_verify {\n" + minimalBlock + "\ttimeout soon\n}"
	var v Verify
	err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
	if err == nil || !strings.Contains(err.Error(), "Testfile:6") {
		t.Fatalf("error %v, want it to point at Testfile:6", err)
	}
}
