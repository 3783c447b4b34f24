package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

func lookPath(name string) (string, error) { return exec.LookPath(name) }

func inodeOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func killGroup(pid int) {
	if pid > 1 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func filepathAbs(p string) (string, error) { return filepath.Abs(p) }
