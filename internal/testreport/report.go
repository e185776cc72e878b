package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events
	Test       string
	Output     string
}

// skip is one skipped test and the reason it logged.
type skip struct {
	pkg, test, reason string
}

// reporter turns events into go test's usual output, keeping each test's
// output until the test ends: a failed test's output is written (without
// the -v only "=== RUN" lines), a passed one's dropped, a skipped one's
// reason kept for the summary.
type reporter struct {
	out      io.Writer
	tests    map[string][]string // output per package and test, until it ends
	children map[string][]string // failed subtests' blocks, per parent
	failed   bool                // a package failed: end with go test's "FAIL"
	pkgs     map[string][]string // package-level output, until the package ends
	skips    []skip
}

func newReporter(out io.Writer) *reporter {
	return &reporter{out: out, tests: map[string][]string{}, children: map[string][]string{}, pkgs: map[string][]string{}}
}

// Line handles one line of input.
func (r *reporter) Line(line []byte) {
	var e event
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
		fmt.Fprintf(r.out, "%s\n", line)
		return
	}
	r.Event(e)
}

// Event handles one go test event.
func (r *reporter) Event(e event) {
	key := e.Package + "\x00" + e.Test
	switch {
	case e.Action == "build-output":
		io.WriteString(r.out, e.Output)
	case e.Action == "output" && e.Test == "":
		r.pkgs[e.Package] = append(r.pkgs[e.Package], e.Output)
	case e.Action == "output":
		r.tests[key] = append(r.tests[key], e.Output)
	case e.Test != "" && (e.Action == "pass" || e.Action == "skip" || e.Action == "fail"):
		r.endTest(e, key)
	case e.Test == "" && (e.Action == "pass" || e.Action == "skip" || e.Action == "fail"):
		r.endPackage(e)
	}
}

func (r *reporter) endTest(e event, key string) {
	lines := r.tests[key]
	delete(r.tests, key)
	children := r.children[key]
	delete(r.children, key)
	switch e.Action {
	case "skip":
		r.skips = append(r.skips, skip{e.Package, e.Test, skipReason(lines)})
	case "fail":
		block := failBlock(lines, children)
		// A failed subtest is written under its parent, indented, as go
		// test prints it; a top-level test is written now.
		if i := strings.LastIndexByte(e.Test, '/'); i > 0 {
			parent := e.Package + "\x00" + e.Test[:i]
			for _, l := range block {
				r.children[parent] = append(r.children[parent], "    "+l)
			}
			return
		}
		r.write(block)
	}
}

// failBlock arranges a failed test's lines as go test prints them without
// -v: its "--- FAIL" line first, then what it logged, then its failed
// subtests' blocks; the "=== RUN" lines only -v prints are left out.
func failBlock(lines, children []string) []string {
	var head, body []string
	for _, l := range lines {
		switch t := strings.TrimLeft(l, " "); {
		case strings.HasPrefix(t, "=== "):
		case strings.HasPrefix(t, "--- FAIL: ") && head == nil:
			head = []string{t}
		default:
			body = append(body, l)
		}
	}
	return append(append(head, body...), children...)
}

func (r *reporter) endPackage(e event) {
	lines := r.pkgs[e.Package]
	delete(r.pkgs, e.Package)
	if e.Action == "fail" {
		r.failed = true
		// Whatever a crashed or timed-out test left unfinished.
		prefix := e.Package + "\x00"
		var keys []string
		for k := range r.tests {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			r.write(r.tests[k])
			delete(r.tests, k)
		}
		for k := range r.children {
			if strings.HasPrefix(k, prefix) {
				delete(r.children, k)
			}
		}
		r.write(lines)
		return
	}
	// A passing package shows only its summary line ("ok", "?"), as
	// without -v.
	for _, l := range lines {
		if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "?") {
			io.WriteString(r.out, l)
		}
	}
}

// write writes a test's lines without the lines only -v prints.
func (r *reporter) write(lines []string) {
	for _, l := range lines {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, "=== ") {
			continue
		}
		io.WriteString(r.out, l)
	}
}

// logLine matches a line written by t.Log, t.Skip and friends.
var logLine = regexp.MustCompile(`^\s+[\w.-]+\.go:\d+: (.*)$`)

// skipReason is the last message the test logged before it skipped.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if m := logLine.FindStringSubmatch(strings.TrimRight(lines[i], "\r\n")); m != nil {
			return m[1]
		}
	}
	return "no reason given"
}

// Finish writes go test's closing "FAIL" when a package failed, then the
// summary line: every skipped test, grouped by reason.
func (r *reporter) Finish() {
	if r.failed {
		io.WriteString(r.out, "FAIL\n")
	}
	io.WriteString(r.out, r.summary()+"\n")
}

func (r *reporter) summary() string {
	if len(r.skips) == 0 {
		return "skipped: none"
	}
	var reasons []string
	byReason := map[string][]string{}
	for _, s := range r.skips {
		if byReason[s.reason] == nil {
			reasons = append(reasons, s.reason)
		}
		byReason[s.reason] = append(byReason[s.reason], shortPkg(s.pkg)+"."+s.test)
	}
	groups := make([]string, len(reasons))
	for i, reason := range reasons {
		groups[i] = strings.Join(byReason[reason], ", ") + " (" + reason + ")"
	}
	return fmt.Sprintf("skipped %d: %s", len(r.skips), strings.Join(groups, "; "))
}

// shortPkg drops the module path from a package path.
func shortPkg(pkg string) string {
	const module = "github.com/verigate/caddy-iamport"
	if pkg == module {
		return "."
	}
	return strings.TrimPrefix(pkg, module+"/")
}
