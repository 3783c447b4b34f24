//go:build !windows && !linux

package provisioner

import "syscall"

// armParentDeath needs Linux's prctl; elsewhere the server is not watched.
func armParentDeath() {}

// childAttr puts the command in a process group of its own, so the
// server's terminal signals do not reach it directly and the group can be
// killed at once.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
