//go:build !windows

package provisioner

import (
	"os/exec"
	"syscall"
)

// groupAttr puts terraform in a process group of its own, so the server's
// terminal signals do not reach it directly: the provisioner decides when
// to interrupt it.
func groupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroupOf kills what is left of a finished command's process group:
// processes a provisioner started and did not wait for.
func killGroupOf(cmd *exec.Cmd) {
	if cmd.Process != nil && cmd.Process.Pid > 0 {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
