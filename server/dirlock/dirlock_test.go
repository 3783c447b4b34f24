package dirlock_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/server/dirlock"
)

// TestHelperProcess holds a lock in a child process until its stdin
// closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("DIRLOCK_HELPER_PATH")
	if path == "" {
		t.Skip("only run as the child of TestLockAcrossProcesses")
	}
	l, err := dirlock.Acquire(path)
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	buf := make([]byte, 1)
	_, _ = os.Stdin.Read(buf)
	_ = l.Unlock()
	os.Exit(0)
}

// TestLockAcrossProcesses: a lock another process holds is refused with
// ErrLocked; once that process exits it can be taken.
func TestLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "DIRLOCK_HELPER_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if got := strings.TrimSpace(string(buf[:n])); got != "locked" {
		t.Fatalf("child: got %q, want locked", got)
	}
	if _, err := dirlock.Acquire(path); !errors.Is(err, dirlock.ErrLocked) {
		t.Fatalf("Acquire while another process holds it: got %v, want ErrLocked", err)
	}
	if got := dirlock.Holder(path); got != cmd.Process.Pid {
		t.Errorf("Holder: got %d, want the child's pid %d", got, cmd.Process.Pid)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l, err := dirlock.Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after the holder exited: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}
