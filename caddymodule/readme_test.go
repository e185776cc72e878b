package caddymodule

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// TestReadmeDocumentsEveryCodeIdentityAndMetric keeps the README's tables
// in step with the code: every refusal code with its status, every sandbox
// identity (V1 and V2), and every metric.
func TestReadmeDocumentsEveryCodeIdentityAndMetric(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, code := range problem.Codes() {
		row := fmt.Sprintf("| %d | `%s` |", code.Status(), code)
		if !strings.Contains(readme, row) {
			t.Errorf("README's refusal table lacks %q", row)
		}
	}
	for _, id := range append(sandbox.Identities(), sandbox.V2Identities()...) {
		row := fmt.Sprintf("| `%s` | %s |", id.ID, id.Label)
		if !strings.Contains(readme, row) {
			t.Errorf("README's sandbox table lacks %q", row)
		}
	}
	for _, name := range []string{"verifications_total", "api_request_duration_seconds", "token_fetches_total", "token_wait_seconds", "single_use_store_errors_total",
		"lookups_waiting", "lookup_slot_wait_seconds", "negative_cache_hits_total"} {
		if !strings.Contains(readme, "`caddy_iamport_"+name+"`") {
			t.Errorf("README's metrics table lacks caddy_iamport_%s", name)
		}
	}
}
