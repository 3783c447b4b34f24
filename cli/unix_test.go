package cli_test

import (
	"os/exec"
	"path/filepath"
	"syscall"
)

func lookPath(name string) (string, error) { return exec.LookPath(name) }

func killGroup(pid int) {
	if pid > 1 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func filepathAbs(p string) (string, error) { return filepath.Abs(p) }
