package iamportcmd_test

import (
	"regexp"
	"strings"
	"testing"
)

// The sandbox's PortOne V2 ids of the documented identities.
const (
	idAdultV2   = "identity-verification-100000000001"
	idMinorV2   = "identity-verification-100000000002"
	idHangulV2  = "identity-verification-100000000010"
	idUnknownV2 = "identity-verification-999999999999"
)

// v2Site is a PortOne V2 handler beside the gateway's i'mport one: its
// secret comes from the environment, as in production.
func v2Site(t *testing.T, g *gateway, secret, store string) site {
	t.Setenv("IAMPORTCMD_TEST_V2_SECRET", secret)
	return site{host: "localhost", verify: `portone {
			api_secret {env.IAMPORTCMD_TEST_V2_SECRET}
			store_id ` + store + `
			api_base SANDBOX
		}
		ci_hash_key {file.` + g.keyFile + `}
		min_age 19`}
}

func TestCheckProvesPortOneCredentialsAgainstTheDateHeader(t *testing.T) {
	g := startGateway(t)
	cfg := g.configWith(t, v2Site(t, g, testSecretV2, testStoreV2))
	r := run(t, "", "check", "--config", cfg)
	if r.status != 0 {
		t.Fatalf("status %d, err %v; stdout:\n%s", r.status, r.err, r.stdout)
	}
	v2 := regexp.MustCompile(`(?m)^ok    localhost:` + g.port + ` #1  api ` + regexp.QuoteMeta(g.sandbox) +
		` \(portone\)  clock skew [+-]\S+ ±\S+ \(the Date header\)$`)
	if !v2.MatchString(r.stdout) || !strings.Contains(r.stdout, "ok    "+g.addr+" #1") {
		t.Fatalf("stdout, want ok lines for both sources, the V2 one without a token:\n%s", r.stdout)
	}
	assertNoSecret(t, r, g.key)
}

func TestCheckFailsOnARefusedPortOneSecretOrStore(t *testing.T) {
	g := startGateway(t)
	tests := []struct{ name, secret, store string }{
		{"wrong secret", wrongSecret, testStoreV2},
		{"wrong store", testSecretV2, "store-of-someone-else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := g.configWith(t, v2Site(t, g, tt.secret, tt.store))
			r := run(t, "", "check", "--config", cfg)
			bad := "FAIL  localhost:" + g.port + " #1  api " + g.sandbox + " (portone): checking credentials: api secret or store id refused"
			if r.status != 1 || !strings.Contains(r.stdout, bad) || !strings.Contains(r.err.Error(), "localhost:"+g.port+" #1") {
				t.Fatalf("status %d, err %v; stdout, want %q:\n%s", r.status, r.err, bad, r.stdout)
			}
			assertNoSecret(t, r, g.key)
		})
	}
}

// TestLookupWithPortOne looks the sandbox's V2 identities up through a V2
// handler: the same masks, decisions and CI hash as through i'mport (the
// sandbox's V2 ids are the V1 identities, same CI), the id grammar of V2.
func TestLookupWithPortOne(t *testing.T) {
	g := startGateway(t)
	cfg := g.configWith(t, v2Site(t, g, testSecretV2, testStoreV2))
	tests := []struct {
		name, id, v1 string
		wantStatus   int
		decision     string
	}{
		{"adult passes", idAdultV2, idAdult, 0, "verified (age "},
		{"hangul name passes", idHangulV2, idHangul, 0, "verified (age "},
		{"minor under min_age 19", idMinorV2, idMinor, 3, "underage (403)"},
		{"unknown id", idUnknownV2, "", 3, "verification_not_found (403): PortOne has no identity verification"},
		{"id outside V2's grammar", "identity verification/1", "", 3, "imp_uid_invalid (400): the id is not a valid PortOne verification id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "lookup", "--config", cfg, "--site", "localhost:"+g.port, tt.id)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, err %v, want %d; stdout:\n%s", r.status, r.err, tt.wantStatus, r.stdout)
			}
			if field(t, r.stdout, "source") != "portone" || !strings.HasPrefix(field(t, r.stdout, "decision"), tt.decision) {
				t.Fatalf("stdout, want source portone and decision %q:\n%s", tt.decision, r.stdout)
			}
			assertNoSecret(t, r, g.key)
			if tt.v1 == "" {
				return
			}
			rec := g.sandboxRecord(t, tt.v1)
			for k, v := range personal(rec) {
				if strings.Contains(r.stdout, v) {
					t.Errorf("masked output shows %s %q", k, v)
				}
			}
			if got := field(t, r.stdout, "ci_hash"); got != hmacHex(testCIKey, rec["unique_key"].(string)) {
				t.Errorf("ci_hash %q is not the V1 identity's", got)
			}
		})
	}
}

// TestSourceFlagPicksTheHandlersOfOneSource runs the commands on a site
// with both sources, as the demo has (V2 on one path, V1 on the others).
func TestSourceFlagPicksTheHandlersOfOneSource(t *testing.T) {
	g := startGateway(t)
	cfg := g.configWith(t, v2Site(t, g, testSecretV2, testStoreV2))
	r := run(t, "", "lookup", "--config", cfg, "--source", "portone", idAdultV2)
	if r.status != 0 || strings.Count(r.stdout, "  decision ") != 1 || field(t, r.stdout, "source") != "portone" {
		t.Fatalf("lookup --source portone: status %d, err %v, stdout:\n%s", r.status, r.err, r.stdout)
	}
	// Without it, the i'mport handler judges the V2 id too, by its grammar.
	r = run(t, "", "lookup", "--config", cfg, idAdultV2)
	if r.status != 3 || !strings.Contains(r.stdout, "imp_uid_invalid (400): the id is not a valid i'mport verification id") {
		t.Fatalf("lookup without --source: status %d, stdout:\n%s", r.status, r.stdout)
	}
	r = run(t, "", "check", "--config", cfg, "--source", "iamport")
	if r.status != 0 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "(iamport)") {
		t.Fatalf("check --source iamport: status %d, stdout:\n%s", r.status, r.stdout)
	}
	r = run(t, "", "check", "--config", cfg, "--source", "v3")
	if r.status != 1 || r.err == nil || !strings.Contains(r.err.Error(), "--source: want iamport or portone") {
		t.Fatalf("check --source v3: status %d, err %v", r.status, r.err)
	}
}
