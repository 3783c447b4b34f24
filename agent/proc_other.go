//go:build !unix

package agent

import "os/exec"

// scriptFileName is the name a script is written under before it runs.
const scriptFileName = "script.ps1"

// scriptCommand returns the command that runs the script written at file:
// PowerShell, as on Coder's Windows workspaces. The script's text is never
// on a command line: a template may have put a secret in it.
func scriptCommand(file, _ string) (string, []string) {
	return "powershell.exe", []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", file}
}

// prepareCommand leaves the defaults: the context's cancellation kills the
// script.
func prepareCommand(*exec.Cmd) {}
