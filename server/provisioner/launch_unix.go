//go:build !windows

package provisioner

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

func launch(s launchSpec, args, env []string) int {
	if s.Supervisor != "" && s.Parent > 0 {
		argv := append([]string{s.Supervisor, SupervisorArg, strconv.Itoa(s.Parent), "--", s.Terraform}, args...)
		// The exec keeps this thread's parent-death signal; terraform-exec
		// set SIGKILL, which would kill the supervisor before it could
		// kill Terraform's group.
		runtime.LockOSThread()
		armParentDeath()
		err := syscall.Exec(s.Supervisor, argv, env)
		fmt.Fprintf(os.Stderr, "build launcher: start the build supervisor: %v\n", err)
		return 127
	}
	return supervise(s.Terraform, args, env, 0)
}

// supervise runs name with args and env in a process group of its own and
// returns its exit code. It passes SIGINT on to the command (a cancel:
// Terraform stops cleanly) and kills the group if the command has not
// ended gracePeriod later; on SIGTERM or SIGHUP, or when parent (if not 0)
// is no longer its parent, it kills the group and exits. When the command
// ends, it kills what is left of the group: processes a provisioner
// started and did not wait for.
func supervise(name string, args, env []string, parent int) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var watch <-chan time.Time
	if parent > 0 {
		armParentDeath()
		if os.Getppid() != parent {
			// The server died before the parent-death signal was armed.
			os.Exit(137)
		}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		watch = tick.C
	}
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "build supervisor: start %s: %v\n", name, err)
		return 127
	}
	pid := cmd.Process.Pid
	if parent > 0 {
		// The working folder is the build's: a server that starts after
		// this one died kills these groups before it removes the folder.
		if err := recordGroups(".", os.Getpid(), pid); err != nil {
			fmt.Fprintf(os.Stderr, "build supervisor: record the process groups: %v\n", err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var grace <-chan time.Time
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGINT {
				_ = cmd.Process.Signal(syscall.SIGINT)
				if grace == nil {
					grace = time.After(gracePeriod)
				}
				continue
			}
			killGroupAndExit(pid)
		case <-grace:
			killGroupAndExit(pid)
		case <-watch:
			if os.Getppid() != parent {
				killGroupAndExit(pid)
			}
		case err := <-done:
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			return exitCode(err)
		}
	}
}

// killGroupAndExit kills the command's process group at once, then exits.
func killGroupAndExit(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	os.Exit(137)
}

func exitCode(err error) int {
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
