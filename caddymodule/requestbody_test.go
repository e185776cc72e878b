package caddymodule_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bodyTooLargeSnippet is the handle_errors block the README recommends
// with an earlier request_body limit; the test checks the README carries
// it verbatim.
const bodyTooLargeSnippet = `handle_errors 413 {
	header Content-Type application/problem+json
	header Cache-Control no-store
	header Connection close
	respond ` + "`" + `{"type":"about:blank","title":"Request body too large","status":413,"detail":"the request body is larger than the configured limit","code":"body_too_large"}` + "`" + ` 413
}`

// readBodyIdle is the read_body_idle timeout of the request_body tests
// (Caddy's default is one minute).
const readBodyIdle = 400 * time.Millisecond

// TestEarlierRequestBodyLimit checks, case by case, what the README says a
// client gets when a request_body max_size (here 1KB) runs before the
// handler (whose max_body stays 1MiB, or is 100 bytes on small.localhost).
func TestEarlierRequestBodyLimit(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), bodyTooLargeSnippet) {
		t.Fatal("the README does not carry the handle_errors 413 snippet this test uses")
	}
	up := newRawUpstream(t)
	limited := func(options, extra string) string {
		return "request_body {\n\t\tmax_size 1KB\n\t}\n\treverse_proxy " + up.addr() + "\n\t" + extra
	}
	verify := "verify {\n\t\t\tpath /signup\n\t\t}"
	startCaddy(t, buildConfig(t, "\tservers {\n\t\ttimeouts {\n\t\t\tread_body_idle "+readBodyIdle.String()+"\n\t\t}\n\t}\n", up.addr(), []site{
		{host: "localhost", options: verify, after: limited(verify, "")},
		{host: "small.localhost", options: verify + "\n\t\tmax_body 100", after: limited(verify, "")},
	}))
	big := `{"imp_uid":"` + idAdult + `","pad":"` + strings.Repeat("z", 2000) + `"}`
	head := func(host, framing string) string {
		return "POST /signup HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n" + framing
	}
	declared := "Content-Length: " + strconv.Itoa(len(big)) + "\r\n"
	chunked := "Transfer-Encoding: chunked\r\n"
	expect := "Expect: 100-continue\r\n"

	t.Run("declared length over the limit: Caddy's bare 413", func(t *testing.T) {
		c := dialGateway(t)
		c.send(head("localhost", declared) + "\r\n" + big)
		status, header, body := c.answer()
		if status != 413 || body != "" || header["content-type"] != "" {
			t.Fatalf("answer %d %v %q, want a bare 413 with an empty body", status, header, body)
		}
	})
	t.Run("declared length over the limit, Expect: the 413 waits for the body or read_body_idle", func(t *testing.T) {
		c := dialGateway(t)
		start := time.Now()
		c.send(head("localhost", declared+expect) + "\r\n")
		status, _, body := c.answer()
		if waited := time.Since(start); status != 413 || body != "" || waited < readBodyIdle {
			t.Fatalf("answer %d %q after %v, want a bare 413 no sooner than read_body_idle (%v)", status, body, waited, readBodyIdle)
		}
	})
	for _, withExpect := range []bool{false, true} {
		name := "chunked over the limit: body_too_large"
		if withExpect {
			name += ", after 100 Continue"
		}
		t.Run(name, func(t *testing.T) {
			c := dialGateway(t)
			if withExpect {
				c.send(head("localhost", chunked+expect) + "\r\n")
				if status, _, _ := c.answer(); status != 100 {
					t.Fatalf("first answer %d, want 100 Continue", status)
				}
				c.send(chunkedBody(big) + "\r\n")
			} else {
				c.send(head("localhost", chunked) + "\r\n" + chunkedBody(big) + "\r\n")
			}
			assertRawProblem(t, c, 413, "body_too_large", true)
		})
	}
	t.Run("under the limit, over max_body, Expect: body_too_large at once", func(t *testing.T) {
		c := dialGateway(t)
		c.send(head("small.localhost", "Content-Length: 500\r\n"+expect) + "\r\n")
		assertRawProblem(t, c, 413, "body_too_large", true)
	})
	if up.count() != 0 {
		t.Fatal("a refused request reached the upstream")
	}

	// With the README's handle_errors block (and Caddy's default
	// read_body_idle of one minute), the declared-length case answers the
	// problem document at once, also to a client waiting for 100 Continue.
	startCaddy(t, config(t, up.addr(), site{host: "localhost", options: verify, after: limited(verify, strings.ReplaceAll(bodyTooLargeSnippet, "\n", "\n\t"))}))
	for _, framing := range []string{declared, declared + expect} {
		t.Run("snippet, "+strings.TrimSpace(strings.ReplaceAll(framing, "\r\n", " ")), func(t *testing.T) {
			c := dialGateway(t)
			body := ""
			if !strings.Contains(framing, "Expect") {
				body = big
			}
			c.send(head("localhost", framing) + "\r\n" + body)
			assertRawProblem(t, c, 413, "body_too_large", true)
		})
	}
}

// assertRawProblem reads an answer and checks it is the problem document
// with status and code, and whether it closes the connection.
func assertRawProblem(t *testing.T, c *rawClient, status int, code string, closes bool) {
	t.Helper()
	got, header, body := c.answer()
	var doc problemDoc
	if err := jsonUnmarshal(body, &doc); err != nil || got != status || doc.Code != code || doc.Status != status ||
		header["content-type"] != "application/problem+json" {
		t.Fatalf("answer %d %v %s, want %d application/problem+json with code %s", got, header, body, status, code)
	}
	if (header["connection"] == "close") != closes {
		t.Fatalf("Connection = %q, want close %v", header["connection"], closes)
	}
}
