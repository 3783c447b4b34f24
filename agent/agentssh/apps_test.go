//go:build !windows

package agentssh_test

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/usersecrets/coder/agent/agentssh"
)

// TestAppSession: a session that sets AppEnv runs that app's command with
// the session environment; an unknown slug is an error on stderr, 127.
func TestAppSession(t *testing.T) {
	env := baseEnv(t)
	srv, err := agentssh.New(agentssh.Options{
		Env: func() []string { return env },
		AppCommand: func(slug string) (string, bool) {
			if slug == "hello" {
				return `printf 'app %s' "$SESSION_VAR"`, true
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := dialServer(t, srv)
	run := func(slug string) (string, string, error) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Setenv(agentssh.AppEnv, slug); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		s.Stdout, s.Stderr = &out, &errb
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		err = s.Wait()
		return out.String(), errb.String(), err
	}
	if out, _, err := run("hello"); err != nil || out != "app from-the-agent" {
		t.Fatalf("app hello: got %q, %v", out, err)
	}
	_, stderr, err := run("nope")
	ee, ok := err.(*gossh.ExitError)
	if !ok || ee.ExitStatus() != 127 || !strings.Contains(stderr, `no command app "nope"`) {
		t.Fatalf("unknown app: got %v, stderr %q", err, stderr)
	}
}

// TestDirectTCPIP: a direct-tcpip channel reaches a port the server's
// side listens on, both ways.
func TestDirectTCPIP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				b, _ := io.ReadAll(io.LimitReader(conn, 5))
				_, _ = conn.Write(append([]byte("echo:"), b...))
			}()
		}
	}()
	c := dial(t, baseEnv(t))
	conn, err := c.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("direct-tcpip: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil || string(got) != "echo:hello" {
		t.Fatalf("through the channel: got %q, %v", got, err)
	}
	// A port nothing listens on is a refused channel, not a hang.
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := free.Addr().String()
	free.Close()
	if _, err := c.Dial("tcp", addr); err == nil {
		t.Fatal("dial of a closed port: got a channel")
	}
}
