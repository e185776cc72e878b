package caddymodule_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestXcaddyManifestMatchesGoModAndReadme keeps the production build
// manifest, go.mod and the README's xcaddy line in step.
func TestXcaddyManifestMatchesGoModAndReadme(t *testing.T) {
	raw, err := os.ReadFile("../xcaddy.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		CaddyVersion string `json:"caddy_version"`
		GoVersion    string `json:"go_version"`
		Plugins      []struct {
			Module  string `json:"module"`
			Version string `json:"version"`
			Replace string `json:"replace"`
		} `json:"plugins"`
		Command string `json:"command"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod := string(gomod)
	module := regexp.MustCompile(`(?m)^module (\S+)`).FindStringSubmatch(mod)
	caddyReq := regexp.MustCompile(`(?m)^\s+github\.com/caddyserver/caddy/v2 (v\S+)`).FindStringSubmatch(mod)
	goDir := regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(mod)
	if module == nil || caddyReq == nil || goDir == nil {
		t.Fatal("go.mod lacks module, go or caddy lines")
	}
	if m.CaddyVersion != caddyReq[1] {
		t.Errorf("xcaddy.json caddy_version %s, go.mod requires %s", m.CaddyVersion, caddyReq[1])
	}
	if !strings.HasPrefix(goDir[1], m.GoVersion) {
		t.Errorf("xcaddy.json go_version %s, go.mod says go %s", m.GoVersion, goDir[1])
	}
	if len(m.Plugins) != 1 || m.Plugins[0].Module != module[1] || m.Plugins[0].Replace != "." || m.Plugins[0].Version == "" {
		t.Fatalf("xcaddy.json plugins %+v, want %s at a version, replaced by .", m.Plugins, module[1])
	}
	for _, part := range []string{"xcaddy build " + m.CaddyVersion, "--with " + module[1] + "@" + m.Plugins[0].Version + "=."} {
		if !strings.Contains(m.Command, part) {
			t.Errorf("xcaddy.json command %q lacks %q", m.Command, part)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), m.Command) {
		t.Errorf("README.md does not contain the xcaddy command from xcaddy.json:\n%s", m.Command)
	}
}
