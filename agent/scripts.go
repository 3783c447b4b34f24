package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

// scriptWaitDelay is how long a finished (or stopped) script's output pipe
// stays open for processes it left in the background. After that their
// output is no longer collected; they keep running.
const scriptWaitDelay = 10 * time.Second

// stopScriptTimeout bounds a run_on_stop script that has no timeout of its
// own: the agent is stopping, and whatever stops it (a template's destroy
// step, a container runtime) waits only so long before it kills it.
const stopScriptTimeout = 60 * time.Second

// errScriptTimeout is what a script that outlived its timeout fails with.
var errScriptTimeout = errors.New("script timed out")

// scriptPhase is why a script runs; it names the script in the agent's log.
type scriptPhase string

const (
	phaseStart scriptPhase = "startup"
	phaseStop  scriptPhase = "shutdown"
	phaseCron  scriptPhase = "scheduled"
)

// runStartScripts runs the manifest's run_on_start scripts, all at once,
// and reports whether all of them succeeded. A failing script does not stop
// the others. When the start_blocks_login ones have ended, the login gate
// opens (see WaitLogin), before the others may have.
func (a *Agent) runStartScripts(ctx context.Context, m sdk.AgentManifest) bool {
	var (
		all, blockers sync.WaitGroup
		mu            sync.Mutex
		ok            = true
		loginErr      error
	)
	for _, s := range m.Scripts {
		if !s.RunOnStart {
			continue
		}
		all.Add(1)
		if s.StartBlocksLogin {
			blockers.Add(1)
		}
		go func() {
			defer all.Done()
			err := a.runLogged(ctx, s, phaseStart)
			mu.Lock()
			if err != nil {
				ok = false
				if s.StartBlocksLogin && !errors.Is(loginErr, errScriptTimeout) {
					loginErr = err
				}
			}
			mu.Unlock()
			if s.StartBlocksLogin {
				blockers.Done()
			}
		}()
	}
	go func() {
		blockers.Wait()
		mu.Lock()
		err := loginErr
		mu.Unlock()
		a.login.open(err)
	}()
	all.Wait()
	return ok && ctx.Err() == nil
}

// runStopScripts runs the manifest's run_on_stop scripts, all at once, and
// waits for them. Each runs for at most its timeout, or stopScriptTimeout
// when it has none.
func (a *Agent) runStopScripts(ctx context.Context, m sdk.AgentManifest) {
	var wg sync.WaitGroup
	for _, s := range m.Scripts {
		if !s.RunOnStop {
			continue
		}
		if s.TimeoutSeconds <= 0 {
			s.TimeoutSeconds = int(stopScriptTimeout / time.Second)
		}
		wg.Go(func() { _ = a.runLogged(ctx, s, phaseStop) })
	}
	wg.Wait()
}

// runLogged runs one script and logs how it went.
func (a *Agent) runLogged(ctx context.Context, s sdk.AgentScript, phase scriptPhase) error {
	start := time.Now()
	a.log.Info("running "+string(phase)+" script", "script", s.DisplayName)
	err := a.runScript(ctx, s)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		a.log.Error(string(phase)+" script failed", "script", s.DisplayName, "err", err, "took", took)
		return err
	}
	a.log.Info(string(phase)+" script finished", "script", s.DisplayName, "took", took)
	return nil
}

// runScript runs one script with a new session's environment in the
// workspace directory. Each line of its output (stdout and stderr, in the
// order written) is redacted, queued for upload under the script's display
// name and, when the script has a log_path, appended to that file. A
// script that outlives its timeout is stopped with what it started and
// fails with errScriptTimeout.
func (a *Agent) runScript(ctx context.Context, s sdk.AgentScript) error {
	return a.runScriptWith(ctx, s, nil, true)
}

// runScriptWith is runScript with extra environment variables (after the
// session's) and, when shebang is false, the default shell whatever the
// script's first line (a post-refresh command).
func (a *Agent) runScriptWith(ctx context.Context, s sdk.AgentScript, extra []string, shebang bool) error {
	dir, err := os.MkdirTemp("", "coder-agent-script-")
	if err != nil {
		return fmt.Errorf("create script directory: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, scriptFileName)
	if err := os.WriteFile(file, []byte(s.Script), 0o700); err != nil {
		return fmt.Errorf("write script file: %w", err)
	}

	logFile := a.openScriptLog(s)
	if logFile != nil {
		defer logFile.Close()
	}

	if s.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(s.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	text := s.Script
	if !shebang {
		text = ""
	}
	name, args := scriptCommand(file, text)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(a.SessionEnv(), extra...)
	cmd.Dir = a.workDir()
	// Lines are masked over the stream (a value may span lines), then cut
	// to size, queued and written to the log file.
	masked := redact.NewStream(a.redactor, func(line string, m lineMeta) {
		out := logLine(line, m.cut)
		a.reports.addLog(sdk.AgentLog{
			CreatedAt: m.at,
			Level:     "info",
			Output:    out,
			Source:    s.DisplayName,
		})
		if logFile != nil {
			logFile.line(out)
		}
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
		return fmt.Errorf("%w after %ds", errScriptTimeout, s.TimeoutSeconds)
	}
	if err != nil {
		// An *exec.ExitError says "exit status N"; nothing of the script
		// or its output is in it.
		return fmt.Errorf("run script: %w", err)
	}
	return nil
}

// scriptLog is a script's log_path file, open for appending.
type scriptLog struct {
	mu     sync.Mutex
	f      *os.File
	failed bool
}

// line appends one line; after a failed write it writes nothing more.
func (l *scriptLog) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed {
		return
	}
	if _, err := io.WriteString(l.f, s+"\n"); err != nil {
		l.failed = true
	}
}

func (l *scriptLog) Close() error { return l.f.Close() }

// scriptLogPath is where a script's log_path points: "~" and "~/..." are
// in the home directory, another relative path is in the agent's log
// directory (Options.LogDir). Environment variables are not expanded.
func (a *Agent) scriptLogPath(p string) string {
	switch {
	case p == "~":
		return a.home
	case strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(filepath.Separator)):
		return filepath.Join(a.home, p[2:])
	case filepath.IsAbs(p):
		return p
	default:
		return filepath.Join(a.o.LogDir, p)
	}
}

// openScriptLog opens the script's log_path for appending (created 0600,
// with missing parent directories 0700), or returns nil when it has none or
// the file cannot be opened: the script then still runs, and its output is
// still uploaded; the failure is logged.
func (a *Agent) openScriptLog(s sdk.AgentScript) *scriptLog {
	if s.LogPath == "" {
		return nil
	}
	path := a.scriptLogPath(s.LogPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		a.log.Warn("cannot create the script's log directory; its output is only uploaded", "script", s.DisplayName, "log_path", path, "err", err)
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		a.log.Warn("cannot open the script's log file; its output is only uploaded", "script", s.DisplayName, "log_path", path, "err", err)
		return nil
	}
	return &scriptLog{f: f}
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
