package redistest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestStartAnswersPingAndStopSilencesIt(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Fatalf("Addr = %q, want a 127.0.0.1 address", s.Addr)
	}
	if want := "redis://" + s.Addr + "/0"; s.URL() != want {
		t.Fatalf("URL() = %q, want %q", s.URL(), want)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatal("PING after Stop succeeded, want an error")
	}
	s.Stop() // a second Stop must be harmless
}

func TestRestartKeepsTheAddress(t *testing.T) {
	s := Start(t)
	addr := s.Addr
	s.Stop()
	s.Restart()
	if s.Addr != addr {
		t.Fatalf("Addr after Restart = %q, want %q", s.Addr, addr)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	s.Restart() // restarting a running server stops it first
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after a second Restart: %v", err)
	}
}

func TestTwoServersGetDifferentPorts(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers share %s", a.Addr)
	}
}

// fakeTB records how Start gave up. Skip and Fatal end the goroutine, as
// the real ones do.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestStartWithoutRedisServer(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		wantSkipped bool
	}{
		{"skips with an install hint outside ci", "", true},
		{"skips when ci is not exactly true", "1", true},
		{"fails with an install hint in ci", "true", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", tt.ci)
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Start(f)
			}()
			<-done
			got := f.fatal
			if tt.wantSkipped {
				got = f.skipped
			}
			if got != installHint {
				t.Fatalf("skipped %q, fatal %q; want %q from %s", f.skipped, f.fatal, installHint, map[bool]string{true: "Skip", false: "Fatal"}[tt.wantSkipped])
			}
		})
	}
}

func TestStartWithPasswordRequiresIt(t *testing.T) {
	s := StartWith(t, Options{Password: "pw"})
	ctx := context.Background()
	anon := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer anon.Close()
	if err := anon.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING without the password: %v, want NOAUTH", err)
	}
	if err := s.Client().Ping(ctx).Err(); err != nil {
		t.Fatalf("PING with the password: %v", err)
	}
}

func TestReplicaCatchesUpWithItsMaster(t *testing.T) {
	m := StartWith(t, Options{Password: "pw"})
	r := StartWith(t, Options{Password: "pw", ReplicaOf: m})
	ctx := context.Background()
	if err := m.Client().Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	m.WaitReplicasCaughtUp()
	if got, err := r.Client().Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("replica GET k = %q, %v; want v", got, err)
	}
}
