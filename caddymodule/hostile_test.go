package caddymodule_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHostileIDsNeverReachIamport(t *testing.T) {
	be := newBackend(t)
	tester := startCaddy(t, config(t, be.addr(), site{host: "localhost"}))
	ids := []string{
		"imp_1/../../users/getToken",
		"imp_1%2F..%2Fusers%2FgetToken",
		"imp_１２３", // full-width digits
		"imp_١٢٣", // Arabic-Indic digits
		"imp_1\r\nX-Evil: 1",
		"imp_1\x00",
		"imp_" + strings.Repeat("9", 29), // 33 characters
		"IMP_100000000001",
		" imp_100000000001",
		"imp_",
	}
	// The first request the handler sees starts the background fetch of
	// the token: let it happen first, so that any getToken call counted
	// below is one a hostile id caused (a path traversal to getToken).
	postJSON(t, tester, "localhost", "/signup", `{"nick":"no id"}`)
	deadline := time.Now().Add(5 * time.Second)
	for stats(t).GetToken == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // waiting for the background fetch, within a bound
	}
	before := stats(t)
	if before.GetToken != 1 {
		t.Fatalf("warm-up: %d getToken calls, want 1", before.GetToken)
	}
	for _, id := range ids {
		body, _ := json.Marshal(map[string]string{"imp_uid": id})
		resp, got := postJSON(t, tester, "localhost", "/signup", string(body))
		assertProblem(t, resp, got, http.StatusBadRequest, "imp_uid_invalid")

		// The same id percent-encoded in the query string.
		resp, got = do(t, tester, mustRequest(t, http.MethodGet, gatewayURL+"/signup?imp_uid="+url.QueryEscape(id), ""))
		assertProblem(t, resp, got, http.StatusBadRequest, "imp_uid_invalid")
	}
	if after := stats(t); after != before {
		t.Fatalf("sandbox calls went from %+v to %+v: an invalid id reached i'mport", before, after)
	}
	if be.hits() != 0 {
		t.Fatal("an invalid id reached the upstream")
	}
}

// TestSlowBodyIsCutOffByTheReadDeadline sends a body more slowly than the
// handler's timeout allows and expects an answer anyway: the read deadline
// ends the wait, so no goroutine stays pinned by a client that stalls.
func TestSlowBodyIsCutOffByTheReadDeadline(t *testing.T) {
	be := newBackend(t)
	logs := newLogCapture(t)
	startCaddy(t, buildConfig(t, logs.global(), be.addr(), []site{{host: "localhost", options: "timeout 300ms"}}))

	conn, err := net.Dial("tcp", "127.0.0.1:9080")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Announce 100 bytes and send 13, then stall.
	_, err = conn.Write([]byte("POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"imp_uid\":\"i"))
	if err != nil {
		t.Fatal(err)
	}
	// A bound for the test itself, far above the handler's 300ms.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer resp.Body.Close()
	var doc problemDoc
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	if resp.StatusCode != http.StatusBadRequest || doc.Code != "body_invalid" {
		t.Fatalf("stalled body: %d %+v, want 400 body_invalid", resp.StatusCode, doc)
	}
	if be.hits() != 0 {
		t.Fatal("a stalled request reached the upstream")
	}
	// The refusal's log line gives the cause without the connection's
	// addresses (net/http's read error names both ends).
	client := conn.LocalAddr().String()
	logs.waitFor(t, 0, "the refusal line with its cause, without the client's address", func(lines []logLine) bool {
		for _, l := range handlerLines(lines) {
			if l.str("code") != "body_invalid" {
				continue
			}
			if raw := l.text; strings.Contains(raw, client) || strings.Contains(raw, "127.0.0.1:9080") {
				t.Fatalf("the refusal line names the connection: %s", raw)
			}
			return l.str("cause") == "reading the body timed out"
		}
		return false
	})
}

// TestForgedHeadersOverHTTP2AreStripped repeats the forged-header check over
// cleartext HTTP/2, where every header name arrives in lower case.
func TestForgedHeadersOverHTTP2AreStripped(t *testing.T) {
	be := newBackend(t)
	cfg := buildConfig(t, "\tservers {\n\t\tprotocols h1 h2c\n\t}\n", be.addr(), []site{{host: "localhost", options: `verify {
			path /signup
		}`}})
	startCaddy(t, cfg)

	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Protocols: &protocols,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:9080")
			},
		},
	}
	for _, tc := range []struct {
		name, method, path, body string
		want                     int // identity headers expected at the upstream
	}{
		{"exempt", http.MethodGet, "/page", "", 0},
		{"verified", http.MethodPost, "/signup", `{"imp_uid":"` + idAdult + `"}`, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := forgedRequest(t, tc.method, gatewayURL+tc.path, tc.body, hyphenSpellings, 2)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
				t.Fatalf("answer %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
			}
			ids := identityHeaders(be.last(t).Header)
			for k, v := range ids {
				if strings.HasPrefix(v[0], "forged") {
					t.Errorf("forged %s reached the upstream over HTTP/2", k)
				}
			}
			if len(ids) != tc.want {
				t.Errorf("identity headers %v, want %d", ids, tc.want)
			}
		})
	}
}
