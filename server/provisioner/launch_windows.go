//go:build windows

package provisioner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// launch runs Terraform as a child: Windows has neither exec nor process
// groups to kill, and Terraform is not supervised there.
func launch(s launchSpec, args, env []string) int {
	cmd := exec.Command(s.Terraform, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "build launcher: start %s: %v\n", s.Terraform, err)
		return 127
	}
}
