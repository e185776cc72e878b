package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// probeTests is a package whose tests pass, skip with and without a
// reason, and fail (a test and a subtest), for running under real go test.
const probeTests = `package probe

import "testing"

func TestPasses(t *testing.T) { t.Log("noise a passing test logs") }

func TestNeedsATool(t *testing.T) {
	t.Log("looking for the tool")
	t.Skip("frobnicate not found: install it with apt-get install frobnicate")
}

func TestAlsoNeedsTheTool(t *testing.T) {
	t.Skip("frobnicate not found: install it with apt-get install frobnicate")
}

func TestSkipsSilently(t *testing.T) { t.SkipNow() }

func TestFails(t *testing.T) { t.Error("the failure a person must see") }

func TestTable(t *testing.T) {
	t.Run("good", func(t *testing.T) {})
	t.Run("bad", func(t *testing.T) { t.Error("the failing row") })
	t.Run("later", func(t *testing.T) { t.Skip("not today") })
}
`

// runProbe runs go test on the probe package (and, withQuiet, a second
// package with one passing test) in a temporary module, with -json through
// the reporter and without, and returns both outputs.
func runProbe(t *testing.T, tests string, withQuiet bool) (report, plain string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go test on a probe package")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":        "module example.com/probe\n\ngo 1.26\n",
		"probe_test.go": tests,
	}
	if withQuiet {
		files["quiet/quiet_test.go"] = "package quiet\n\nimport \"testing\"\n\nfunc TestQuiet(t *testing.T) {}\n"
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goTest := func(args ...string) string {
		cmd := exec.Command("go", append([]string{"test", "-count=1"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
		out, _ := cmd.CombinedOutput() // the probe fails on purpose
		return string(out)
	}
	var buf bytes.Buffer
	r := newReporter(&buf)
	for _, line := range strings.Split(strings.TrimRight(goTest("-json", "./..."), "\n"), "\n") {
		r.Line([]byte(line))
	}
	r.Finish()
	return buf.String(), goTest("./...")
}

func TestReportShowsFailuresAndPackageLinesAndNamesEverySkip(t *testing.T) {
	report, plain := runProbe(t, probeTests, false)
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")

	// Everything but the last line is what go test prints without -v,
	// byte for byte but for the timings: the failures, and the closing
	// ok / FAIL lines CI reads.
	timings := regexp.MustCompile(`\(\d+\.\d+s\)|\t\d+\.\d+s`)
	body := strings.Join(lines[:len(lines)-1], "\n") + "\n"
	if got, want := timings.ReplaceAllString(body, "(T)"), timings.ReplaceAllString(plain, "(T)"); got != want {
		t.Errorf("report\n%s\nwant, as go test prints it,\n%s", got, want)
	}

	for _, must := range []string{
		"--- FAIL: TestFails", "the failure a person must see",
		"--- FAIL: TestTable", "--- FAIL: TestTable/bad", "the failing row",
	} {
		if !strings.Contains(report, must) {
			t.Errorf("report lacks %q:\n%s", must, report)
		}
	}
	for _, mustNot := range []string{"=== RUN", "noise a passing test logs", "--- PASS", "looking for the tool"} {
		if strings.Contains(report, mustNot) {
			t.Errorf("report has %q, which go test without -v does not print:\n%s", mustNot, report)
		}
	}

	last := lines[len(lines)-1]
	wantLast := "skipped 4: " +
		"TestNeedsATool, TestAlsoNeedsTheTool (frobnicate not found: install it with apt-get install frobnicate); " +
		"TestSkipsSilently (no reason given); TestTable/later (not today)"
	wantLast = strings.NewReplacer("TestNeedsATool", "example.com/probe.TestNeedsATool",
		"TestAlsoNeedsTheTool", "example.com/probe.TestAlsoNeedsTheTool",
		"TestSkipsSilently", "example.com/probe.TestSkipsSilently",
		"TestTable/later", "example.com/probe.TestTable/later").Replace(wantLast)
	if last != wantLast {
		t.Errorf("last line\n%s\nwant\n%s", last, wantLast)
	}
}

func TestReportWithoutSkipsSaysNone(t *testing.T) {
	report, _ := runProbe(t, "package probe\n\nimport \"testing\"\n\nfunc TestPasses(t *testing.T) {}\n", true)
	// Packages come in the order they finish.
	okLine := regexp.MustCompile(`(?m)^ok  \texample\.com/probe(/quiet)?\t[0-9.]+s$`)
	if !strings.HasSuffix(report, "\nskipped: none\n") || len(okLine.FindAllString(report, -1)) != 2 || strings.Count(report, "\n") != 3 {
		t.Errorf("report:\n%s", report)
	}
}

func TestReportPassesOtherLinesThroughAndShowsBuildErrors(t *testing.T) {
	report, _ := runProbe(t, "package probe\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { undefined() }\n", false)
	for _, must := range []string{"undefined: undefined", "FAIL\texample.com/probe [build failed]"} {
		if !strings.Contains(report, must) {
			t.Errorf("report lacks %q:\n%s", must, report)
		}
	}
	var buf bytes.Buffer
	r := newReporter(&buf)
	r.Line([]byte("go: cannot find main module"))
	if buf.String() != "go: cannot find main module\n" {
		t.Errorf("a line that is not JSON came out as %q", buf.String())
	}
}

func TestShortPkgDropsTheModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/verigate/caddy-iamport":             ".",
		"github.com/verigate/caddy-iamport/caddymodule": "caddymodule",
		"example.com/other":                             "example.com/other",
	} {
		if got := shortPkg(in); got != want {
			t.Errorf("shortPkg(%q) = %q, want %q", in, got, want)
		}
	}
}
