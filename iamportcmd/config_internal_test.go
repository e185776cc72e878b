package iamportcmd

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFindHandlersEverywhereTheHTTPAppCanHoldThem covers a handler in a
// top-level route, in subroutes (Caddyfile handle and route blocks) at any
// depth, in a route without a host matcher, in the errors routes and in a
// named route; meta fields are dropped and an escaped module name is found.
func TestFindHandlersEverywhereTheHTTPAppCanHoldThem(t *testing.T) {
	cfg := `{"apps":{"http":{"servers":{
	  "srv1":{"listen":[":443"],"routes":[
	    {"match":[{"host":["b.example","c.example"]}],"handle":[{"handler":"subroute","routes":[
	      {"handle":[{"handler":"iamport_verify","api_key":"1"}]},
	      {"match":[{"path":["/x"]}],"handle":[{"handler":"subroute","routes":[
	        {"handle":[{"handler":"iamport\u005fverify","api_key":"2"}]}]}]}]}]},
	    {"handle":[{"handler":"iamport_verify","api_key":"3"},{"handler":"reverse_proxy"}]}],
	    "errors":{"routes":[{"handle":[{"handler":"iamport_verify","api_key":"4"}]}]},
	    "named_routes":{"r":{"handle":[{"handler":"iamport_verify","api_key":"5"}]}}},
	  "srv0":{"listen":["127.0.0.1:8080"],"routes":[
	    {"match":[{"host":["a.example","::1"]}],"handle":[{"@id":"gw","handler":"iamport_verify","api_key":"0"}]}]}
	}},"tls":{"handler":"iamport_verify"}}}`
	got, err := findHandlers([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ label, key string }{
		{"a.example:8080, [::1]:8080 #1", "0"},
		{"b.example:443, c.example:443 #1", "1"},
		{"b.example:443, c.example:443 #2", "2"},
		{":443 #1", "3"},
		{":443 #2", "4"},
		{":443 #3", "5"},
	}
	if len(got) != len(want) {
		t.Fatalf("found %d handlers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		var h struct {
			Key string `json:"api_key"`
		}
		if err := json.Unmarshal(got[i].raw, &h); err != nil {
			t.Fatal(err)
		}
		if got[i].label != w.label || h.Key != w.key {
			t.Errorf("handler %d: %q with api_key %q, want %q with %q", i, got[i].label, h.Key, w.label, w.key)
		}
		if strings.Contains(string(got[i].raw), "@id") {
			t.Errorf("handler %d keeps its @id", i)
		}
	}
	if s := got[1].sites; len(s) != 2 || s[0] != "b.example:443" || s[1] != "c.example:443" {
		t.Errorf("sites %v", s)
	}
}

func TestFindHandlersInAConfigWithoutHTTP(t *testing.T) {
	for _, cfg := range []string{`{}`, `{"apps":{"tls":{}}}`, `{"apps":{"http":{"servers":{"s":{"listen":[":80"]}}}}}`} {
		got, err := findHandlers([]byte(cfg))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", cfg, got, err)
		}
	}
	if _, err := findHandlers([]byte(`{"apps":{"http":{"servers":{"s":{"routes":{}}}}}}`)); err == nil {
		t.Error("a malformed server decoded")
	}
}
