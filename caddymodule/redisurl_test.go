package caddymodule

import (
	"context"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestCaddyfileChecksRedisURLsWithoutPlaceholders(t *testing.T) {
	tests := []struct {
		name, url, wantErr string
	}{
		{"unknown scheme", "http://:hunter2@127.0.0.1:6379", `unknown scheme "http"`},
		{"bad database", "redis://:hunter2@127.0.0.1:6379/db", "invalid database number"},
		{"sentinel password without master_name", "redis://:hunter2@127.0.0.1:26379?sentinel_password=hunter2", "sentinel_password is only for the Sentinel form"},
		{"sentinel without a port", "redis://:hunter2@sentinel.example?master_name=mymaster", "needs a host and a port"},
		{"sentinel with a bad addr", "redis://:hunter2@127.0.0.1:26379?master_name=mymaster&addr=sentinel2", "unable to parse addr param"},
		{"cluster with a bad addr", "redis://:hunter2@127.0.0.1:6379?addr=10.0.0.2:", "unable to parse addr param"},
		{"cluster with a database", "redis://:hunter2@127.0.0.1:6379/2?addr=10.0.0.2:6379", "only database 0"},
		{"unknown option", "redis://:hunter2@127.0.0.1:6379?colour=blue", "unexpected option: colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := "iamport_verify {\n" + minimalBlock + "\tsingle_use redis " + tt.url + "\n}"
			var v Verify
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "single_use redis: ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q does not mention single_use redis and %q", msg, tt.wantErr)
			}
			// The block opens on line 1 and minimalBlock takes lines 2-5.
			if !strings.Contains(msg, "Testfile:6") {
				t.Errorf("error %q does not name the directive's line, Testfile:6", msg)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q repeats the password", msg)
			}
		})
	}
}

func TestCaddyfileAcceptsEveryRedisForm(t *testing.T) {
	for _, url := range []string{
		"redis://127.0.0.1:6379/0",
		"rediss://gw:secret@cache.example:6380/1",
		"redis://:secret@10.0.0.1:26379/0?master_name=mymaster&addr=10.0.0.2:26379&sentinel_password=s",
		"rediss://10.0.0.1:6379?addr=10.0.0.2:6379&addr=10.0.0.3:6379",
		"rediss://clustercfg.example:6379?cluster=true",
		"redis://127.0.0.1:6379?wait_replicas=1",
		// Placeholders are left for Provision, even where they make the
		// URL unreadable now.
		"{env.REDIS_URL}",
		"redis://:{env.REDIS_PASSWORD}@10.0.0.1:{env.PORT}?master_name=mymaster",
	} {
		input := "iamport_verify {\n" + minimalBlock + "\tsingle_use redis " + url + "\n}"
		var v Verify
		if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
}

// TestProvisionResolvesAndChecksRedisURLPlaceholders provisions handlers
// whose redis_url is a placeholder: a bad or empty value is refused with
// the reason (and no password), a good one in any form provisions without
// contacting Redis (nothing listens on port 1).
func TestProvisionResolvesAndChecksRedisURLPlaceholders(t *testing.T) {
	tests := []struct {
		name, value, wantErr string
	}{
		{"empty", "", "resolving redis_url: evaluated placeholder {env.IAMPORT_TEST_REDIS_URL} is empty"},
		{"bad scheme", "http://:hunter2@127.0.0.1:1", `single_use redis: unknown scheme "http"`},
		{"sentinel without master_name", "redis://:hunter2@127.0.0.1:1?sentinel_password=hunter2", "sentinel_password is only for the Sentinel form"},
		{"single server", "redis://:hunter2@127.0.0.1:1/0", ""},
		{"sentinel", "redis://:hunter2@127.0.0.1:1/0?master_name=mymaster&addr=127.0.0.1:2", ""},
		{"cluster", "redis://:hunter2@127.0.0.1:1?addr=127.0.0.1:2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("IAMPORT_TEST_REDIS_URL", tt.value)
			ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
			defer cancel()
			v := &Verify{
				APIKey: "key_" + t.Name(), APISecret: "s", CIHashKey: "k", APIBase: "http://127.0.0.1:1",
				SingleUse: "redis", RedisURL: "{env.IAMPORT_TEST_REDIS_URL}",
			}
			err := v.Provision(ctx)
			if err == nil {
				defer v.Cleanup()
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Provision: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Provision error %v, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q repeats the password", err)
			}
		})
	}
}
