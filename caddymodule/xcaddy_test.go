package caddymodule_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// xcaddyManifest is xcaddy.json, the pinned production and staging builds.
type xcaddyManifest struct {
	CaddyVersion string `json:"caddy_version"`
	GoVersion    string `json:"go_version"`
	Plugins      []struct {
		Module  string `json:"module"`
		Version string `json:"version"`
		Replace string `json:"replace"`
	} `json:"plugins"`
	Output  string `json:"output"`
	Command string `json:"command"`
	Staging struct {
		Packages []string `json:"packages"`
		Replace  struct {
			Module  string `json:"module"`
			Replace string `json:"replace"`
		} `json:"replace"`
		Output  string `json:"output"`
		Command string `json:"command"`
	} `json:"staging"`
}

// TestXcaddyManifestMatchesGoModAndReadme keeps the build manifest, go.mod
// and the README's two xcaddy lines (production, and staging with the
// sandbox) in step.
func TestXcaddyManifestMatchesGoModAndReadme(t *testing.T) {
	raw, err := os.ReadFile("../xcaddy.json")
	if err != nil {
		t.Fatal(err)
	}
	var m xcaddyManifest
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
	with := "--with " + module[1] + "@" + m.Plugins[0].Version + "=."
	production := "xcaddy build " + m.CaddyVersion + " " + with
	for _, part := range []string{production, "--output " + m.Output} {
		if !strings.Contains(m.Command, part) {
			t.Errorf("xcaddy.json command %q lacks %q", m.Command, part)
		}
	}
	if strings.Count(m.Command, "--with") != 1 || strings.Contains(m.Command, "--replace") {
		t.Errorf("the production command %q must add the root package only", m.Command)
	}

	// Staging: the production line, the sandbox package, and the module
	// replaced without a version so that xcaddy does not `go get` the
	// package from the module proxy.
	s := m.Staging
	sandboxPkg := module[1] + "/sandbox"
	if len(s.Packages) != 1 || s.Packages[0] != sandboxPkg {
		t.Errorf("xcaddy.json staging packages %v, want [%s]", s.Packages, sandboxPkg)
	}
	if s.Replace.Module != module[1] || s.Replace.Replace != "." {
		t.Errorf("xcaddy.json staging replace %+v, want %s replaced by .", s.Replace, module[1])
	}
	if _, err := os.Stat(filepath.Join("..", strings.TrimPrefix(sandboxPkg, module[1]+"/"), "sandbox.go")); err != nil {
		t.Errorf("the staging build's package %s: %v", sandboxPkg, err)
	}
	prodPrefix := strings.TrimSuffix(m.Command, " --output "+m.Output)
	for _, part := range []string{
		prodPrefix + " ",
		"--with " + sandboxPkg + " ",
		"--replace " + module[1] + "=. ",
		"--output " + s.Output,
	} {
		if !strings.Contains(s.Command, part) {
			t.Errorf("xcaddy.json staging command %q lacks %q", s.Command, part)
		}
	}
	if s.Output == m.Output {
		t.Errorf("staging and production builds both write %s", s.Output)
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, cmd := range map[string]string{"production": m.Command, "staging": s.Command} {
		if !strings.Contains(string(readme), "\n"+cmd+"\n") {
			t.Errorf("README.md does not contain the %s xcaddy command from xcaddy.json on a line of its own:\n%s", name, cmd)
		}
	}
}
