//go:build !linux

package provisioner

import (
	"fmt"
	"os"
)

// supervisorAvailable says whether Supervise can run here.
const supervisorAvailable = false

// Supervise is the build supervisor of Linux; elsewhere Terraform runs
// without it and this only reports that.
func Supervise(args []string) int {
	fmt.Fprintln(os.Stderr, "the build supervisor runs on Linux only")
	return 2
}
