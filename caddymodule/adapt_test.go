package caddymodule_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

var update = flag.Bool("update", false, "rewrite the golden adapt output")

// TestAdaptMatchesGolden adapts testdata/adapt.caddyfile and compares the
// JSON with testdata/adapt.json. Run with -update after an intended change.
func TestAdaptMatchesGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/adapt.caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "\t"); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile("testdata/adapt.json", pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/adapt.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("adapted JSON differs from testdata/adapt.json:\n%s", pretty.Bytes())
	}

	// Written last in the site block, the directive still runs after
	// request_body and before respond and reverse_proxy.
	s := string(out)
	body, verify := strings.Index(s, `"handler":"request_body"`), strings.Index(s, `"handler":"iamport_verify"`)
	respond, proxy := strings.Index(s, `"handler":"static_response"`), strings.Index(s, `"handler":"reverse_proxy"`)
	if !(body >= 0 && body < verify && verify < respond && verify < proxy) {
		t.Fatalf("handler order: request_body@%d iamport_verify@%d static_response@%d reverse_proxy@%d", body, verify, respond, proxy)
	}
}
