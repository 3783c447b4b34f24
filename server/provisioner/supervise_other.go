//go:build !linux

package provisioner

import (
	"fmt"
	"os"
	"syscall"
)

// Supervise is the build supervisor of Linux; elsewhere Terraform runs
// directly and this only reports that.
func Supervise(args []string) int {
	fmt.Fprintln(os.Stderr, "the build supervisor runs on Linux only")
	return 2
}

func wrap(_, name string, args []string) (string, []string, *syscall.SysProcAttr) {
	return name, args, groupAttr()
}
