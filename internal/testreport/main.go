// Command testreport reads the events of `go test -json` on standard input
// and writes what `go test` prints without -v: a line per package (ok,
// FAIL, no test files) and the output of every failed test, then one last
// line naming every skipped test with the reason it gave (for tests that
// need an external program, how to install it). Without it, a test skipped
// in a passing package is invisible. .ci/test runs it; lines that are not
// JSON (go's own errors) are passed through unchanged.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	r := newReporter(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		r.Line(in.Bytes())
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "testreport: reading go test output: %v\n", err)
		os.Exit(2)
	}
	r.Finish()
}
