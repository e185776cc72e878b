package caddymodule

import "fmt"

// The handler's two pure-config enums, each with one parser used by both
// UnmarshalCaddyfile and Provision. (The age basis and the foreigners
// setting belong to internal/policy, which parses them.) The parsers accept
// exactly the documented names; Provision substitutes the default for a
// JSON field left empty.

// Single-use modes (single_use).
const (
	singleUseOn    = "on"    // memory store, per process; the default
	singleUseOff   = "off"   // no store
	singleUseRedis = "redis" // Redis store at redis_url
)

// parseSingleUse returns the single_use mode s names.
func parseSingleUse(s string) (string, error) {
	switch s {
	case singleUseOn, singleUseOff, singleUseRedis:
		return s, nil
	}
	return "", fmt.Errorf("single_use: unknown mode %q (want on, off or redis)", s)
}

// Refusal modes (refusals).
const (
	refusalsProblem      = "problem"       // application/problem+json; the default
	refusalsHandleErrors = "handle_errors" // an error for the site's handle_errors routes
)

// parseRefusals returns the refusals mode s names.
func parseRefusals(s string) (string, error) {
	switch s {
	case refusalsProblem, refusalsHandleErrors:
		return s, nil
	}
	return "", fmt.Errorf("refusals: unknown mode %q (want problem or handle_errors)", s)
}
