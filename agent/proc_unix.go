//go:build unix

package agent

import (
	"os/exec"
	"strings"
	"syscall"
)

// scriptFileName is the name a script is written under before it runs.
const scriptFileName = "script"

// scriptCommand returns the command that runs the script written at file:
// the interpreter of its "#!" line (with its one optional argument, as
// Linux reads it), else /bin/sh. The script's text is never on a command
// line: a template may have put a secret in it.
func scriptCommand(file, script string) (string, []string) {
	if rest, ok := strings.CutPrefix(script, "#!"); ok {
		line, _, _ := strings.Cut(rest, "\n")
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		interp, arg, _ := strings.Cut(line, " ")
		if interp != "" {
			var args []string
			if arg = strings.TrimSpace(arg); arg != "" {
				args = append(args, arg)
			}
			return interp, append(args, file)
		}
	}
	return "/bin/sh", []string{file}
}

// prepareCommand puts the script in a process group of its own, so that a
// timeout or the agent's shutdown stops the script and what it started.
func prepareCommand(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}
