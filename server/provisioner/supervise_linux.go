package provisioner

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Supervise runs one Terraform command for the server and makes sure
// nothing of it outlives the server. The server starts it (args: the
// server's pid, "--", the command) as the leader of a new process group
// with the parent-death signal SIGTERM. It forwards SIGINT to Terraform
// (a cancel: Terraform stops cleanly); on SIGTERM or SIGHUP, or when its
// parent is gone, it kills its whole process group: Terraform, its
// providers and every process its provisioners started there. It returns
// the command's exit code.
func Supervise(args []string) int {
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, "usage: coder "+SupervisorArg+" PARENT_PID -- COMMAND [ARGS...]")
		return 2
	}
	parent, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "build supervisor: bad parent pid")
		return 2
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if os.Getppid() != parent {
		// The server died before the parent-death signal was armed.
		killGroup()
	}
	cmd := exec.Command(args[2], args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "build supervisor: start %s: %v\n", args[2], err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGINT {
				_ = cmd.Process.Signal(syscall.SIGINT)
				continue
			}
			killGroup()
		case <-tick.C:
			if os.Getppid() != parent {
				killGroup()
			}
		case err := <-done:
			if err == nil {
				return 0
			}
			if ee, ok := err.(*exec.ExitError); ok {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return ee.ExitCode()
			}
			return 1
		}
	}
}

// killGroup kills this process's group, this process included.
func killGroup() {
	_ = syscall.Kill(0, syscall.SIGKILL)
	os.Exit(137)
}

// wrap returns how to run name with args: under the supervisor binary sup
// (the coder binary) when there is one, otherwise directly, in a process
// group of its own.
func wrap(sup, name string, args []string) (string, []string, *syscall.SysProcAttr) {
	if sup == "" {
		return name, args, groupAttr()
	}
	full := append([]string{SupervisorArg, strconv.Itoa(os.Getpid()), "--", name}, args...)
	return sup, full, &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
