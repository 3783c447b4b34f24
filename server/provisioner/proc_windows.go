//go:build windows

package provisioner

import "os/exec"

func setProcessGroup(*exec.Cmd) {}
