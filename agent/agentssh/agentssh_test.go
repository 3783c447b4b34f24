//go:build !windows

package agentssh_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/usersecrets/coder/agent/agentssh"
)

// dial serves one SSH server on a loopback listener and returns a client.
func dial(t *testing.T, env []string) *gossh.Client {
	t.Helper()
	srv, err := agentssh.New(agentssh.Options{Env: func() []string { return env }})
	if err != nil {
		t.Fatal(err)
	}
	return dialServer(t, srv)
}

func dialServer(t *testing.T, srv *agentssh.Server) *gossh.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.HandleConn(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); srv.Close() })
	client, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{User: "coder", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func baseEnv(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SESSION_VAR=from-the-agent"}
}

func TestCommandEnvExitCodeStderr(t *testing.T) {
	c := dial(t, baseEnv(t))
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	err = s.Run(`printf %s "$SESSION_VAR"; echo warn >&2; exit 3`)
	ee, ok := err.(*gossh.ExitError)
	if !ok || ee.ExitStatus() != 3 {
		t.Fatalf("got %v, want exit status 3", err)
	}
	if out.String() != "from-the-agent" || errb.String() != "warn\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
}

func TestPTYAndWindowChange(t *testing.T) {
	c := dial(t, baseEnv(t))
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm", 24, 80, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	s.Stdout = out
	stdin, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("stty size; tty >/dev/null && echo tty-yes; echo TERM=$TERM\n")); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "TERM=xterm\r\n")
	if err := s.WindowChange(40, 132); err != nil {
		t.Fatal(err)
	}
	// The shell reads the next line after the window change arrived.
	if _, err := stdin.Write([]byte("stty size; exit 0\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	got := strings.ReplaceAll(out.String(), "\r", "")
	for _, want := range []string{"24 80", "tty-yes", "TERM=xterm", "40 132"} {
		if !strings.Contains(got, want) {
			t.Fatalf("pty session output lacks %q:\n%s", want, got)
		}
	}
}

func TestSignalReachesProcess(t *testing.T) {
	c := dial(t, baseEnv(t))
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	s.Stdout = out
	if err := s.Start(`trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done`); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "ready")
	if err := s.Signal(gossh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = s.Wait()
	ee, ok := err.(*gossh.ExitError)
	if !ok || ee.ExitStatus() != 42 || !strings.Contains(out.String(), "got-term") {
		t.Fatalf("after SIGTERM: %v, output %q; want exit 42 from the trap", err, out.String())
	}
}

// TestEnvFixedAtSessionStart: a session keeps the environment it started
// with; a session started after the agent's environment changed gets the
// new one.
func TestEnvFixedAtSessionStart(t *testing.T) {
	var mu sync.Mutex
	value := "old"
	srv, err := agentssh.New(agentssh.Options{Env: func() []string {
		mu.Lock()
		defer mu.Unlock()
		return []string{"PATH=" + os.Getenv("PATH"), "V=" + value}
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := dialServer(t, srv)
	first, _ := c.NewSession()
	out1 := &syncBuffer{}
	first.Stdout = out1
	stdin, _ := first.StdinPipe()
	if err := first.Start(`echo started; read line; printf %s "$V"`); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out1, "started")
	mu.Lock()
	value = "new"
	mu.Unlock()
	second, _ := c.NewSession()
	if out, err := second.Output(`printf %s "$V"`); err != nil || string(out) != "new" {
		t.Fatalf("a session started after the change: %q, %v; want new", out, err)
	}
	stdin.Write([]byte("go\n"))
	if err := first.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := out1.String(); got != "started\nold" {
		t.Fatalf("the session started before the change: %q, want it to keep old", got)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitOutput polls until out holds want, or fails after 10s.
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q in %q", want, out.String())
		}
		<-tick.C
	}
}

// TestBeforeSession checks that BeforeSession runs before the session's
// process, may write to its stderr and holds it until it returns.
func TestBeforeSession(t *testing.T) {
	release := make(chan struct{})
	srv, err := agentssh.New(agentssh.Options{
		Env: func() []string { return baseEnv(t) },
		BeforeSession: func(_ context.Context, w io.Writer) {
			_, _ = io.WriteString(w, "held\n")
			<-release
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := dialServer(t, srv)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	done := make(chan error, 1)
	go func() { done <- s.Run("echo ran") }()
	select {
	case err := <-done:
		t.Fatalf("the session ended while BeforeSession held it: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != "ran\n" || errb.String() != "held\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
}
