//go:build !windows

package provisioner

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts terraform in a process group of its own, so the
// server's terminal signals do not reach it directly: the provisioner
// decides when to interrupt it.
func setProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }
