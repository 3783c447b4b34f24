//go:build windows

package provisioner

import (
	"os/exec"
	"syscall"
)

func groupAttr() *syscall.SysProcAttr { return nil }

func killGroupOf(*exec.Cmd) {}
