// Package redistest runs a real, throw-away redis-server for tests.
//
// Start skips the test when redis-server is not installed, except when the
// CI environment variable is "true", where a missing server is a failure so
// that Redis-backed behaviour is never silently left untested.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// installHint is the message given when redis-server is not on PATH.
const installHint = "redis-server not found: install it with apt-get install redis-server"

// readyTimeout bounds how long Start and Restart wait for the server to
// answer PING.
const readyTimeout = 10 * time.Second

// startAttempts is how many free ports Start tries, in case another process
// takes a port between choosing it and redis-server binding it.
const startAttempts = 3

// Server is one running redis-server bound to 127.0.0.1 with persistence
// off, stopped automatically when the test that started it ends.
type Server struct {
	// Addr is the host:port the server listens on, such as 127.0.0.1:6379.
	Addr string

	tb       testing.TB
	bin      string
	dir      string
	port     int
	password string
	tls      bool
	conf     string   // config file given first on the command line, if any
	extra    []string // arguments after the common ones
	replicas []*Server

	mu   sync.Mutex
	proc *process
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed when the process has exited
}

// Start runs redis-server on a free port in a temporary directory, waits
// until it answers PING, and registers tb.Cleanup to stop it.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// Options tunes StartWith. The zero value is a plain server.
type Options struct {
	// Password, when set, is required from clients (requirepass) and, on a
	// replica, given to its master (masterauth).
	Password string
	// ReplicaOf makes the server a replica of that server. StartWith
	// returns once the replica has synchronised.
	ReplicaOf *Server
	// TLS makes the server accept TLS connections only, with a
	// self-signed certificate for 127.0.0.1 that no client trusts, and
	// without client certificates. Not with ReplicaOf.
	TLS bool
}

// StartWith is Start with options.
func StartWith(tb testing.TB, o Options) *Server {
	tb.Helper()
	var args []string
	if o.Password != "" {
		args = append(args, "--requirepass", o.Password, "--masterauth", o.Password)
	}
	if m := o.ReplicaOf; m != nil {
		args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(m.port))
	}
	if o.TLS {
		cert, key, err := selfSigned(tb.TempDir())
		if err != nil {
			tb.Fatalf("redistest: making a certificate: %v", err)
		}
		args = append(args, "--tls-cert-file", cert, "--tls-key-file", key, "--tls-auth-clients", "no")
	}
	s := start(tb, func(port int) (string, []string, error) {
		if o.TLS {
			return "", append(args, "--port", "0", "--tls-port", strconv.Itoa(port)), nil
		}
		return "", args, nil
	}, o.TLS)
	s.password = o.Password
	if m := o.ReplicaOf; m != nil {
		m.replicas = append(m.replicas, s)
		waitFor(tb, "replica "+s.Addr+" to synchronise with "+m.Addr, func(ctx context.Context) error {
			info, err := s.info(ctx, "replication")
			if err != nil {
				return err
			}
			if info["master_link_status"] != "up" {
				return fmt.Errorf("master_link_status %q", info["master_link_status"])
			}
			return nil
		})
	}
	return s
}

// spec gives the config file and extra arguments of a server that will
// listen on port.
type spec func(port int) (conf string, args []string, err error)

// start finds redis-server, tries free ports until one works, and
// registers the cleanup.
func start(tb testing.TB, sp spec, useTLS bool) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal(installHint)
		}
		tb.Skip(installHint)
	}
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), tls: useTLS}
	tb.Cleanup(s.Stop)
	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: choosing a port: %v", err)
		}
		s.port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if s.conf, s.extra, lastErr = sp(port); lastErr != nil {
			continue
		}
		if lastErr = s.launch(); lastErr == nil {
			return s
		}
	}
	tb.Fatalf("redistest: starting redis-server: %v", lastErr)
	return nil
}

// URL returns the server's address as a redis:// URL for database 0, or
// rediss:// for a TLS server.
func (s *Server) URL() string {
	if s.tls {
		return "rediss://" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}

// Stop kills the server and waits for it to exit. The port stays the
// server's, so Restart can bring it back at the same address. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.cmd.Process.Kill()
	<-s.proc.done
	s.proc = nil
}

// Restart stops the server if it runs, starts it again on the same port
// and waits until it answers PING. The data is gone: persistence is off.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.launch(); err != nil {
		s.tb.Fatalf("redistest: restarting redis-server on %s: %v", s.Addr, err)
	}
}

// launch starts redis-server on s.port and waits until it answers.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(args,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		// A replica's first synchronisation starts at once instead of
		// after the default 5s wait for more replicas.
		"--repl-diskless-sync-delay", "0",
	)
	cmd := exec.Command(s.bin, append(args, s.extra...)...)
	dieWithParent(cmd)
	out := &lockedBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := waitReady(s.Addr, s.tls, p.done); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%w; server output:\n%s", err, out.String())
	}
	s.proc = p
	return nil
}

// waitReady polls addr with PING until it answers +PONG, the process exits
// or readyTimeout passes.
func waitReady(addr string, useTLS bool, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	backoff := time.Millisecond
	for {
		err := pingWith(addr, useTLS)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before answering on %s", addr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer on %s within %v: %w", addr, readyTimeout, err)
		}
		// Waiting between polls, not for a fixed time: the loop ends as soon
		// as the server answers.
		select {
		case <-exited:
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// ping sends one inline PING command and expects +PONG.
func ping(addr string) error { return pingWith(addr, false) }

// pingWith is ping over TLS (not verified) when useTLS is set.
func pingWith(addr string, useTLS bool) error {
	var conn net.Conn
	var err error
	if useTLS {
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a test server's self-signed certificate
	} else {
		conn, err = net.DialTimeout("tcp", addr, time.Second)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	// A server that wants a password is up too.
	if line != "+PONG\r\n" && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}

// freePort asks the kernel for a port that is free on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the server's output for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
