package iamport

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means success
	}{
		{"defaults to the i'mport API", Config{Key: "k", Secret: "s"}, ""},
		{"http base with path prefix", Config{BaseURL: "http://127.0.0.1:8080/v1/", Key: "k", Secret: "s"}, ""},
		{"empty key", Config{Secret: "s"}, "key is empty"},
		{"blank secret", Config{Key: "k", Secret: " \t"}, "secret is empty"},
		{"ftp scheme", Config{BaseURL: "ftp://api.iamport.kr", Key: "k", Secret: "s"}, "scheme"},
		{"no scheme", Config{BaseURL: "api.iamport.kr", Key: "k", Secret: "s"}, "scheme"},
		{"no host", Config{BaseURL: "https://", Key: "k", Secret: "s"}, "no host"},
		{"user information", Config{BaseURL: "https://u:hunter2@api.iamport.kr", Key: "k", Secret: "s"}, "user information"},
		{"query", Config{BaseURL: "https://api.iamport.kr/?a=1", Key: "k", Secret: "s"}, "query"},
		{"does not parse", Config{BaseURL: "https://api.iamport.kr/%zz", Key: "k", Secret: "s"}, "does not parse"},
		{"negative token timeout", Config{Key: "k", Secret: "s", TokenTimeout: -1}, "token timeout"},
		{"negative refresh lead", Config{Key: "k", Secret: "s", TokenRefreshLead: -1}, "refresh lead"},
		{"negative margin", Config{Key: "k", Secret: "s", TokenMargin: -1}, "margin"},
		{"margin as long as the lead", Config{Key: "k", Secret: "s", TokenRefreshLead: 2 * time.Second, TokenMargin: 2 * time.Second}, "shorter than the refresh lead"},
		{"margin longer than the default lead", Config{Key: "k", Secret: "s", TokenMargin: time.Minute}, "shorter than the refresh lead"},
		{"short lead and margin", Config{Key: "k", Secret: "s", TokenRefreshLead: 2 * time.Second, TokenMargin: time.Second}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a client", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q repeats the password in the URL", err)
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	c, err := New(Config{Key: "k", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != DefaultBaseURL || c.tokenTimeout != DefaultTokenTimeout || c.now == nil || c.log.Load() == nil || c.obs == nil ||
		c.refreshLead != DefaultTokenRefreshLead || c.margin != DefaultTokenMargin || c.after == nil || c.tokenObs == nil {
		t.Fatalf("defaults not filled: base=%q timeout=%v", c.base, c.tokenTimeout)
	}
	if c.hc == http.DefaultClient || c.hc.Timeout != 0 || c.hc.Transport == nil || c.hc.Transport == http.DefaultTransport {
		t.Fatal("default HTTP client must be dedicated, with its own Transport and no global Timeout")
	}
	c2, _ := New(Config{BaseURL: "https://example.test/v1/", Key: "k", Secret: "s"})
	if c2.base != "https://example.test/v1" {
		t.Fatalf("base = %q, want the trailing slash removed", c2.base)
	}
}
