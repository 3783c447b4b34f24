package provisioner

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// supervisorAvailable says whether Supervise can run here.
const supervisorAvailable = true

// Supervise runs one Terraform command for the server and makes sure
// nothing of it outlives the server. The server starts it (args: the
// server's pid, "--", the command) as the leader of a new process group;
// it sets its own parent-death signal to SIGTERM. It runs the command in
// a process group of its own, forwards SIGINT to it (a cancel: Terraform
// stops cleanly); on SIGTERM or SIGHUP, or when its parent is gone, it
// kills the command's whole process group: Terraform, its providers and
// every process its provisioners started there. It returns the command's
// exit code.
func Supervise(args []string) int {
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, "usage: coder "+SupervisorArg+" PARENT_PID -- COMMAND [ARGS...]")
		return 2
	}
	parent, err := strconv.Atoi(args[0])
	if err != nil || parent <= 0 {
		fmt.Fprintln(os.Stderr, "build supervisor: bad parent pid")
		return 2
	}
	return supervise(args[2], args[3:], os.Environ(), parent)
}

// armParentDeath makes the kernel send SIGTERM to this process when its
// parent dies. terraform-exec starts its command with SIGKILL as the
// parent-death signal, which would leave no chance to kill the group.
// The setting is the calling thread's (threads started later copy the
// main thread's): the launcher arms it on the thread that execs the
// supervisor, which is then the supervisor's only thread.
func armParentDeath() {
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)
}

// childAttr puts the command in a process group of its own (so that the
// group can be killed at once) and kills it if the supervisor dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
