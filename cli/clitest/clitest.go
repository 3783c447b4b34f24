// Package clitest builds the real coder binary once per test binary, starts
// `coder server` as a child process on either store backend, and runs shell
// command lines against it the way a user would.
package clitest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgstore"
	"github.com/usersecrets/coder/server/store/pgtest"
	"github.com/usersecrets/coder/server/store/sqlitestore"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binary returns the path of the coder binary built from this module.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "coder-bin-")
		if buildErr != nil {
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "coder"), ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build coder: %v", buildErr)
	}
	return filepath.Join(binDir, "coder")
}

// Cleanup removes the built binary; call it from TestMain after m.Run.
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Server is a `coder server` child process.
type Server struct {
	URL     string
	DataDir string
	// PostgresURL is set on the postgres backend.
	PostgresURL string
	// Keys is the --encryption-keys value on postgres; on SQLite the key
	// file in DataDir is used.
	Keys string
	// Output is everything the process wrote to stdout and stderr, over
	// every start.
	Output *SyncBuffer
	cmd    *exec.Cmd
	done   chan struct{}
	args   []string
}

// Backends are the names StartServer accepts.
var Backends = []string{"sqlite", "postgres"}

// StartServer starts `coder server` on a free port with the given backend
// and waits until it listens. The process is stopped with SIGTERM at cleanup.
func StartServer(t testing.TB, backend string, extraArgs ...string) *Server {
	t.Helper()
	s := &Server{DataDir: t.TempDir()}
	args := []string{"server", "--http-address", "127.0.0.1:0", "--data-dir", s.DataDir}
	if backend == "postgres" {
		s.PostgresURL = pgtest.NewDatabase(t)
		k, err := secretcrypt.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		s.Keys = secretcrypt.EncodeKey(k)
	}
	s.Output = &SyncBuffer{}
	// Local workspaces' agents, and the builds of a killed server,
	// outlive the server: stop them last.
	t.Cleanup(func() {
		KillLocalAgents(s.DataDir)
		KillProcessesUnder(s.DataDir)
	})
	s.start(t, append(args, extraArgs...))
	return s
}

// KillProcessesUnder kills every process whose working folder is inside
// dir: the terraform runs a killed server left behind.
func KillProcessesUnder(dir string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 || pid == os.Getpid() {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, dir+string(os.PathSeparator)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// KillLocalAgents stops the agents that the local example template started
// under dataDir/workspaces (each records its process group in
// .coder-agent.pid).
func KillLocalAgents(dataDir string) {
	matches, _ := filepath.Glob(filepath.Join(dataDir, "workspaces", "*", "*", ".coder-agent.pid"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &pid); err == nil && pid > 1 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// StartSecondServer starts another server process on the same PostgreSQL
// database and keys as first, with its own data folder and port.
func StartSecondServer(t testing.TB, first *Server) *Server {
	t.Helper()
	return StartSecondServerIn(t, first, t.TempDir())
}

// StartSecondServerIn is StartSecondServer with the data folder dataDir
// (first's own, to share it) and more flags of `coder server`.
func StartSecondServerIn(t testing.TB, first *Server, dataDir string, extraArgs ...string) *Server {
	t.Helper()
	if first.PostgresURL == "" {
		t.Fatal("a second server needs PostgreSQL")
	}
	s := &Server{DataDir: dataDir, PostgresURL: first.PostgresURL, Keys: first.Keys, Output: &SyncBuffer{}}
	t.Cleanup(func() {
		KillLocalAgents(s.DataDir)
		KillProcessesUnder(s.DataDir)
	})
	s.start(t, append([]string{"server", "--http-address", "127.0.0.1:0", "--data-dir", s.DataDir}, extraArgs...))
	return s
}

// Restart starts the server again after Stop or Kill, on the same address
// (agents reconnect to it) and the same data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	args := append([]string(nil), s.args...)
	for i := range args {
		if args[i] == "--http-address" {
			args[i+1] = strings.TrimPrefix(s.URL, "http://")
		}
	}
	s.start(t, args)
}

// RestartWith is Restart with extraArgs added to the command line (a
// server restarted with another setting on the same data).
func (s *Server) RestartWith(t testing.TB, extraArgs ...string) {
	t.Helper()
	s.args = append(append([]string(nil), s.args...), extraArgs...)
	s.Restart(t)
}

// Kill stops the server with SIGKILL, as a crash would.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) start(t testing.TB, args []string) {
	t.Helper()
	s.args = args
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = BaseEnv(t.TempDir())
	if s.PostgresURL != "" {
		// Through the environment, as production would, so the URL and
		// the keys stay off the command line.
		cmd.Env = append(cmd.Env, "CODER_PG_CONNECTION_URL="+s.PostgresURL, "CODER_ENCRYPTION_KEYS="+s.Keys)
	}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(s.Output, pw)
	cmd.Stderr = s.Output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(s.done)
	}()
	urlc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`Started HTTP listener at (http://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case s.URL = <-urlc:
	case <-s.done:
		t.Fatalf("server exited before listening:\n%s", s.Output.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not listen within 60s:\n%s", s.Output.String())
	}
	done := s.done
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			s.Stop(t)
		}
	})
}

// Stop sends SIGTERM and waits for the process to exit.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("server did not stop within 30s of SIGTERM")
	}
}

// ExitCode returns the process's exit code after it stopped.
func (s *Server) ExitCode() int { <-s.done; return s.cmd.ProcessState.ExitCode() }

// OpenStore opens the server's store beside it (to read what it stored):
// the backend as it is, and the same wrapped by the encryption with the
// server's keys.
func (s *Server) OpenStore(t testing.TB) (store.Store, *cryptstore.Store) {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	var keys [][]byte
	if s.PostgresURL != "" {
		st, err = pgstore.Open(ctx, s.PostgresURL)
		if err == nil {
			keys, err = secretcrypt.ParseKeys(s.Keys)
		}
	} else {
		st, err = sqlitestore.Open(ctx, filepath.Join(s.DataDir, "coder.db"))
		if err == nil {
			keys, _, err = secretcrypt.LoadOrCreateKeyFile(filepath.Join(s.DataDir, "secrets.key"))
		}
	}
	if err != nil {
		t.Fatalf("open the server's store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cs, err := cryptstore.New(st, cryptstore.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return st, cs
}

// Values returns the opened values of a user's secrets, by name, read from
// the server's store with its keys.
func (s *Server) Values(t testing.TB, userID uuid.UUID) map[string]sdk.SecretValue {
	t.Helper()
	_, cs := s.OpenStore(t)
	rows, err := cs.ListSecretsWithValues(context.Background(), userID)
	if err != nil {
		t.Fatalf("read values: %v", err)
	}
	out := map[string]sdk.SecretValue{}
	for _, p := range rows {
		if p.ValueErr != nil {
			t.Fatalf("read values: %v", p.ValueErr)
		}
		out[p.Name] = p.Value
	}
	return out
}

// BaseEnv is a clean environment for a child process: PATH with the built
// binary first, HOME in a fresh folder, and none of the caller's CODER_*
// or TF_* variables.
func BaseEnv(home string) []string {
	path := os.Getenv("PATH")
	if binDir != "" {
		path = binDir + string(os.PathListSeparator) + path
	}
	return []string{"PATH=" + path, "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + os.TempDir()}
}

// User is a CLI user: a HOME and config folder of their own, logged in to a
// server.
type User struct {
	Home      string
	ConfigDir string
	Env       []string
}

// NewUser makes a HOME (and CODER_CONFIG_DIR) for a CLI user.
func NewUser(t testing.TB) *User {
	t.Helper()
	Binary(t)
	home := t.TempDir()
	u := &User{Home: home, ConfigDir: filepath.Join(home, ".config", "coderv2")}
	u.Env = append(BaseEnv(home), "CODER_CONFIG_DIR="+u.ConfigDir)
	return u
}

// Result is what a shell command line did.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Sh runs a bash command line as the user, in dir (the user's home when ""),
// with extra environment variables and stdin.
func (u *User) Sh(t testing.TB, dir, script string, env []string, stdin io.Reader) Result {
	t.Helper()
	if dir == "" {
		dir = u.Home
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), u.Env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = stdin
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %q: %v", script, err)
		}
		code = ee.ExitCode()
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}
}

// MustSh runs a command line and fails the test if it exits non-zero.
func (u *User) MustSh(t testing.TB, dir, script string, env []string, stdin io.Reader) Result {
	t.Helper()
	r := u.Sh(t, dir, script, env, stdin)
	if r.ExitCode != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", script, r.ExitCode, r.Stdout, r.Stderr)
	}
	return r
}

// Client returns an API client logged in as the user, from their config.
func (u *User) Client(t testing.TB) *sdk.Client {
	t.Helper()
	rawURL, err := os.ReadFile(filepath.Join(u.ConfigDir, "url"))
	if err != nil {
		t.Fatalf("read url config: %v", err)
	}
	token, err := os.ReadFile(filepath.Join(u.ConfigDir, "session"))
	if err != nil {
		t.Fatalf("read session config: %v", err)
	}
	c := sdk.New(mustParse(t, strings.TrimSpace(string(rawURL))))
	c.SessionToken = strings.TrimSpace(string(token))
	return c
}
