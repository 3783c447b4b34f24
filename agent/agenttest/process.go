package agenttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binary returns the path of the coder binary built from this module, built
// once per test binary. Call Cleanup from TestMain to remove it.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "coder-agent-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "coder"), ".")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
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

// Cleanup removes the built binary.
func Cleanup() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// SyncBuffer is a bytes.Buffer safe for concurrent use.
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

// Agent is a `coder agent` child process.
type Agent struct {
	Home string
	// Output is everything the process wrote to stdout and stderr: its log.
	Output *SyncBuffer
	cmd    *exec.Cmd
	done   chan struct{}
}

// StartAgent runs `coder agent` against s, with HOME set to home (its own
// temporary directory when ""), a clean environment (see Env) with
// CODER_AGENT_URL and CODER_AGENT_TOKEN, plus env. It is stopped with
// SIGTERM at cleanup.
func StartAgent(t testing.TB, s *Server, home string, env ...string) *Agent {
	t.Helper()
	if home == "" {
		home = t.TempDir()
	}
	full := append(Env(home), "CODER_AGENT_URL="+s.URL.String(), "CODER_AGENT_TOKEN="+s.Token)
	return StartCommand(t, home, append(full, env...))
}

// Env is a clean environment for an agent process: PATH, HOME, LANG and
// TMPDIR only.
func Env(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LANG=C.UTF-8",
		"TMPDIR=" + os.TempDir(),
	}
}

// StartCommand runs `coder agent args...` in home with exactly the
// environment env. It is stopped with SIGTERM at cleanup.
func StartCommand(t testing.TB, home string, env []string, args ...string) *Agent {
	t.Helper()
	return startCommand(t, home, env, args)
}

func startCommand(t testing.TB, home string, env, args []string) *Agent {
	t.Helper()
	a := &Agent{Home: home, Output: &SyncBuffer{}, done: make(chan struct{})}
	a.cmd = exec.Command(Binary(t), append([]string{"agent"}, args...)...)
	a.cmd.Dir = home
	a.cmd.Env = env
	a.cmd.Stdout = a.Output
	a.cmd.Stderr = a.Output
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start agent: %v", err)
	}
	go func() {
		_ = a.cmd.Wait()
		close(a.done)
	}()
	t.Cleanup(func() { a.Stop(t) })
	return a
}

// Wait waits for the process to exit on its own and returns its exit
// code; it fails the test after timeout.
func (a *Agent) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-a.done:
		return a.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("agent did not exit within %s:\n%s", timeout, a.Output.String())
		return -1
	}
}

// Pid returns the process id.
func (a *Agent) Pid() int { return a.cmd.Process.Pid }

// Done is closed when the process has exited.
func (a *Agent) Done() <-chan struct{} { return a.done }

// Stop sends SIGTERM and waits for the process to exit; it returns the
// exit code.
func (a *Agent) Stop(t testing.TB) int {
	t.Helper()
	select {
	case <-a.done:
		return a.cmd.ProcessState.ExitCode()
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
		t.Errorf("agent did not stop within 30s of SIGTERM")
	}
	return a.cmd.ProcessState.ExitCode()
}
