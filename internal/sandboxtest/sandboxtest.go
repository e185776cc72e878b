// Package sandboxtest reads a running sandbox (internal/sandbox behind
// iamport_sandbox) over HTTP for tests: its call counters, and records
// fetched straight from it as an independent source of truth for what a
// gateway forwards or prints. It is imported by tests only.
package sandboxtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// Stats returns the call counters of the sandbox at base
// (GET /__sandbox/stats).
func Stats(t testing.TB, base string) sandbox.Stats {
	t.Helper()
	var s sandbox.Stats
	getJSON(t, base+"/__sandbox/stats", "", &s)
	return s
}

// Certification fetches the certification id from the sandbox at base as
// an i'mport client would (POST /users/getToken with key and secret, then
// GET /certifications/{id}) and returns its response member.
func Certification(t testing.TB, base, key, secret, id string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(base+"/users/getToken", url.Values{"imp_key": {key}, "imp_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.Response.AccessToken == "" {
		t.Fatalf("sandbox token: %v", err)
	}
	var env struct {
		Response map[string]any `json:"response"`
	}
	getJSON(t, base+"/certifications/"+id, "Bearer "+tok.Response.AccessToken, &env)
	return env.Response
}

// getJSON decodes the answer to GET url, sent with auth as its
// Authorization header when not empty, into v.
func getJSON(t testing.TB, url, auth string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
