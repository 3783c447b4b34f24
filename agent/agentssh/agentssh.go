//go:build !windows

// Package agentssh is the workspace agent's SSH server. It serves SSH
// connections that arrive as streams over the agent's connection to the
// server (the server authenticates the user; the SSH layer needs no keys):
// shells with and without a pty, commands, window changes, exit codes and
// signals. Every session gets its environment from one function, the
// agent's, so shells, commands and terminals see exactly what startup
// scripts see; a session keeps the environment it started with.
package agentssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Options configure a Server.
type Options struct {
	// Env returns the environment of a new session (the agent's one
	// function).
	Env func() []string
	// Dir returns the folder sessions start in ("" = the home folder).
	Dir func() string
	// BeforeSession, when set, runs when a session opens, before its
	// environment is read and its process starts; it may block (the
	// agent's start_blocks_login wait) and write to the session's stderr.
	// ctx ends when the client goes away.
	BeforeSession func(ctx context.Context, stderr io.Writer)
	// AppCommand returns the command of the coder_app with that slug, for
	// a session that asks for an app (AppEnv); false when there is none.
	AppCommand func(slug string) (string, bool)
	Logger     *slog.Logger
}

// AppEnv is the variable a client sets on a session (an SSH "env"
// request) to run the command of the workspace app of that slug instead of
// a shell or a command of its own.
const AppEnv = "CODER_WORKSPACE_APP"

// Server serves SSH sessions.
type Server struct {
	o   Options
	srv *ssh.Server
	wg  sync.WaitGroup
}

// New returns a Server with a fresh host key.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Env == nil {
		o.Env = os.Environ
	}
	if o.Dir == nil {
		o.Dir = func() string { return "" }
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("host key signer: %w", err)
	}
	s := &Server{o: o}
	s.srv = &ssh.Server{
		Handler:     s.handle,
		HostSigners: []ssh.Signer{signer},
		// The stream is authenticated by the server: accept "none".
		PasswordHandler:  nil,
		PublicKeyHandler: nil,
		// HandleConn does not fill in the defaults Serve would.
		// direct-tcpip carries `coder port-forward`: a TCP connection to
		// an address the workspace can reach, over this SSH connection.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler, "direct-tcpip": ssh.DirectTCPIPHandler},
		LocalPortForwardingCallback: func(_ ssh.Context, host string, port uint32) bool {
			o.Logger.Info("port forward", "host", host, "port", port)
			return true
		},
	}
	return s, nil
}

// HandleConn serves one SSH connection until it closes.
func (s *Server) HandleConn(c net.Conn) {
	s.wg.Add(1)
	defer s.wg.Done()
	s.srv.HandleConn(c)
}

// Close closes the server's sessions.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.wg.Wait()
	return err
}

func (s *Server) handle(sess ssh.Session) {
	code, err := s.run(sess)
	if err != nil {
		s.o.Logger.Warn("ssh session", "error", err)
		fmt.Fprintf(sess.Stderr(), "coder agent: %v\n", err)
	}
	_ = sess.Exit(code)
}

// command builds the process of a session: the app the client asked for
// (AppEnv), the command it asked for, or a login shell.
func (s *Server) command(sess ssh.Session, env []string) (*exec.Cmd, error) {
	shell := lookupEnv(env, "SHELL")
	if shell == "" {
		shell = "/bin/sh"
		if _, err := os.Stat("/bin/bash"); err == nil {
			shell = "/bin/bash"
		}
	}
	var cmd *exec.Cmd
	if slug := lookupEnv(sess.Environ(), AppEnv); slug != "" {
		command, ok := "", false
		if s.o.AppCommand != nil {
			command, ok = s.o.AppCommand(slug)
		}
		if !ok {
			return nil, fmt.Errorf("the workspace has no command app %q", slug)
		}
		cmd = exec.Command(shell, "-c", command)
	} else if raw := sess.RawCommand(); raw != "" {
		cmd = exec.Command(shell, "-c", raw)
	} else {
		cmd = exec.Command(shell, "-l")
	}
	cmd.Env = env
	dir := s.o.Dir()
	if dir == "" {
		dir = lookupEnv(env, "HOME")
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		cmd.Dir = dir
	}
	return cmd, nil
}

func lookupEnv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if len(env[i]) > len(name) && env[i][:len(name)] == name && env[i][len(name)] == '=' {
			return env[i][len(name)+1:]
		}
	}
	return ""
}

func (s *Server) run(sess ssh.Session) (int, error) {
	if s.o.BeforeSession != nil {
		s.o.BeforeSession(sess.Context(), sess.Stderr())
		if err := sess.Context().Err(); err != nil {
			return 255, nil
		}
	}
	// The environment is fixed when the session starts: a later manifest
	// changes new sessions only.
	env := append([]string(nil), s.o.Env()...)
	ptyReq, winCh, isPty := sess.Pty()
	if isPty {
		env = append(env, "TERM="+ptyReq.Term)
	}
	env = append(env, "SSH_CONNECTION=coder 0 coder 22")
	cmd, err := s.command(sess, env)
	if err != nil {
		return 127, err
	}
	sigs := make(chan ssh.Signal, 4)
	sess.Signals(sigs)
	defer sess.Signals(nil)

	if isPty {
		f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(ptyReq.Window.Height), Cols: uint16(ptyReq.Window.Width)})
		if err != nil {
			return 127, fmt.Errorf("start a pty session: %w", err)
		}
		defer f.Close()
		go func() {
			for w := range winCh {
				_ = pty.Setsize(f, &pty.Winsize{Rows: uint16(w.Height), Cols: uint16(w.Width)})
			}
		}()
		go func() { _, _ = io.Copy(f, sess) }()
		outDone := make(chan struct{})
		go func() {
			_, _ = io.Copy(sess, f)
			close(outDone)
		}()
		code := s.wait(sess, cmd, sigs)
		// Drain what the shell printed last (the pty closes when the
		// process group's last holder exits).
		select {
		case <-outDone:
		case <-time.After(time.Second):
		}
		return code, nil
	}

	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 127, err
	}
	cmd.Stdout = sess
	cmd.Stderr = sess.Stderr()
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("start the command: %w", err)
	}
	go func() {
		_, _ = io.Copy(stdin, sess)
		stdin.Close()
	}()
	return s.wait(sess, cmd, sigs), nil
}

// wait waits for the session's process, forwarding signals, and kills its
// process group when the client goes away.
func (s *Server) wait(sess ssh.Session, cmd *exec.Cmd, sigs <-chan ssh.Signal) int {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctx := sess.Context()
	for {
		select {
		case err := <-done:
			return exitCode(err)
		case sig := <-sigs:
			if n, ok := signals[sig]; ok {
				_ = syscall.Kill(-cmd.Process.Pid, n)
			}
		case <-ctx.Done():
			// The client closed the connection: end the remote process.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP)
			select {
			case err := <-done:
				return exitCode(err)
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				return exitCode(<-done)
			}
		}
	}
}

var signals = map[ssh.Signal]syscall.Signal{
	ssh.SIGABRT: syscall.SIGABRT, ssh.SIGALRM: syscall.SIGALRM, ssh.SIGFPE: syscall.SIGFPE,
	ssh.SIGHUP: syscall.SIGHUP, ssh.SIGILL: syscall.SIGILL, ssh.SIGINT: syscall.SIGINT,
	ssh.SIGKILL: syscall.SIGKILL, ssh.SIGPIPE: syscall.SIGPIPE, ssh.SIGQUIT: syscall.SIGQUIT,
	ssh.SIGSEGV: syscall.SIGSEGV, ssh.SIGTERM: syscall.SIGTERM, ssh.SIGUSR1: syscall.SIGUSR1,
	ssh.SIGUSR2: syscall.SIGUSR2,
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return 128 + int(st.Signal())
		}
		return ee.ExitCode()
	}
	return 1
}
