package provisioner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKillRecordedGroups: the process groups a build supervisor recorded
// in a dead server's build folder are killed even when no process of them
// works in that folder any more (the working-folder scan alone missed
// them), and a recorded pid that now names another process (a different
// start time) is left alone.
func TestKillRecordedGroups(t *testing.T) {
	stale := filepath.Join(t.TempDir(), "proc-1", "build-1")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command("sleep", "60")
		cmd.Dir = t.TempDir() // not the build folder
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	recorded, reused := start(), start()
	if err := recordGroups(stale, recorded.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// A line for reused's pid with another start time: the process that
	// had that pid is gone; this one must live.
	realStart, err := processStart(reused.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(stale, pidsFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%d %d\nnot a line\n", reused.Process.Pid, realStart+1)
	_ = f.Close()

	if n := killProcessesUnder(filepath.Dir(stale)); n != 1 {
		t.Errorf("killProcessesUnder: signaled %d processes, want 1 (the recorded group)", n)
	}
	exited := make(chan error, 1)
	go func() { exited <- recorded.Wait() }()
	select {
	case err := <-exited:
		if ws, ok := recorded.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Errorf("the recorded process ended with %v, want SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the recorded process group still runs 10s after the stale folder's clean-up")
	}
	if err := reused.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the process whose pid was recorded with another start time was signaled: %v", err)
	}
}
