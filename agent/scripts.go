package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

// scriptWaitDelay is how long a finished (or stopped) script's output pipe
// stays open for processes it left in the background. After that their
// output is no longer collected; they keep running.
const scriptWaitDelay = 10 * time.Second

// runStartScripts runs the manifest's run_on_start scripts one after the
// other, and reports whether all of them succeeded. A failing script does
// not stop the ones after it.
func (a *Agent) runStartScripts(ctx context.Context, m sdk.AgentManifest) bool {
	ok := true
	for _, s := range m.Scripts {
		if !s.RunOnStart {
			continue
		}
		if ctx.Err() != nil {
			return false
		}
		start := time.Now()
		a.log.Info("running startup script", "script", s.DisplayName)
		if err := a.runScript(ctx, s); err != nil {
			ok = false
			a.log.Error("startup script failed", "script", s.DisplayName, "err", err, "took", time.Since(start).Round(time.Millisecond))
			continue
		}
		a.log.Info("startup script finished", "script", s.DisplayName, "took", time.Since(start).Round(time.Millisecond))
	}
	return ok
}

// runScript runs one script with a new session's environment in the
// workspace directory. Each line of its output (stdout and stderr, in the
// order written) is redacted and queued for upload under the script's
// display name.
func (a *Agent) runScript(ctx context.Context, s sdk.AgentScript) error {
	dir, err := os.MkdirTemp("", "coder-agent-script-")
	if err != nil {
		return fmt.Errorf("create script directory: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, scriptFileName)
	if err := os.WriteFile(file, []byte(s.Script), 0o700); err != nil {
		return fmt.Errorf("write script file: %w", err)
	}

	if s.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(s.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	name, args := scriptCommand(file, s.Script)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = a.SessionEnv()
	cmd.Dir = a.workDir()
	// Lines are masked over the stream (a value may span lines), then cut
	// to size and queued.
	masked := redact.NewStream(a.redactor, func(line string, m lineMeta) {
		a.reports.addLog(sdk.AgentLog{
			CreatedAt: m.at,
			Level:     "info",
			Output:    logLine(line, m.cut),
			Source:    s.DisplayName,
		})
	})
	out := newLineWriter(func(line string, cut bool) {
		masked.Line(line, lineMeta{at: time.Now(), cut: cut})
	})
	// The same writer for both: one pipe, lines in the order written.
	cmd.Stdout, cmd.Stderr = out, out
	prepareCommand(cmd)
	cmd.WaitDelay = scriptWaitDelay
	err = cmd.Run()
	_ = out.Close()
	masked.Close()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("script timed out after %ds", s.TimeoutSeconds)
	}
	if err != nil {
		// An *exec.ExitError says "exit status N"; nothing of the script
		// or its output is in it.
		return fmt.Errorf("run script: %w", err)
	}
	return nil
}

// lineMeta is what a line of script output carries through redaction.
type lineMeta struct {
	at  time.Time
	cut bool
}

// workDir is where sessions and scripts start: the manifest's directory
// ("~/" and relative paths below the home directory) when it exists, else
// the home directory.
func (a *Agent) workDir() string {
	m := a.currentManifest()
	if m == nil || m.Directory == "" {
		return a.home
	}
	d := m.Directory
	switch {
	case d == "~":
		d = a.home
	case len(d) >= 2 && d[0] == '~' && (d[1] == '/' || d[1] == filepath.Separator):
		d = filepath.Join(a.home, d[2:])
	case !filepath.IsAbs(d):
		d = filepath.Join(a.home, d)
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		a.log.Warn("the workspace directory is not a directory; using the home directory", "directory", d)
		return a.home
	}
	return d
}
