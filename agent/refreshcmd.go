package agent

import (
	"context"
	"strings"
	"time"

	"github.com/usersecrets/coder/sdk"
)

// A coder_script declares a command to run after a live refresh with a
// directive line in its script text (a comment for every shell, so
// Coder's own agent ignores it; the provider's schema is unchanged):
//
//	# coder:on-secret-refresh: nginx -s reload
//
// After a pushed manifest changed at least one file, the agent runs each
// declared command, one at a time, in the order of the scripts and of
// their lines, through the scripts' default shell (/bin/sh; PowerShell on
// Windows) in the workspace directory, with a new session's environment
// plus CODER_REFRESHED_SECRETS and CODER_REFRESHED_FILES (the refreshed
// secrets' names and absolute paths, one a line, in the same order;
// never a value), for at most refreshCommandTimeout. Its output goes to
// the script's log (and log_path) with every secret value masked; a
// failure is logged and changes nothing else. Nothing runs at a start or
// a reconnect.

// refreshDirective is the directive's prefix after the comment mark.
const refreshDirective = "coder:on-secret-refresh:"

// refreshCommandTimeout bounds one post-refresh command (Options can
// shorten it).
const refreshCommandTimeout = 60 * time.Second

// maxRefreshCommands bounds the commands one script may declare.
const maxRefreshCommands = 16

// parseRefreshDirectives returns the commands script declares, in order:
// each line that is, after leading blanks, "#", optional blanks and
// refreshDirective, declares the rest of the line (trimmed; a trailing
// "\r" dropped). An empty command is skipped; at most maxRefreshCommands.
func parseRefreshDirectives(script string) []string {
	var out []string
	for line := range strings.SplitSeq(script, "\n") {
		line = strings.TrimSuffix(line, "\r")
		rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "#")
		if !ok {
			continue
		}
		cmd, ok := strings.CutPrefix(strings.TrimLeft(rest, " \t"), refreshDirective)
		if !ok {
			continue
		}
		if cmd = strings.TrimSpace(cmd); cmd == "" {
			continue
		}
		out = append(out, cmd)
		if len(out) == maxRefreshCommands {
			break
		}
	}
	return out
}

// refreshed is one file a live refresh changed.
type refreshed struct{ secret, path string }

// runRefreshCommands runs the post-refresh commands of scripts after a
// live refresh changed files (see above).
func (a *Agent) runRefreshCommands(ctx context.Context, scripts []sdk.AgentScript, files []refreshed) {
	if len(files) == 0 {
		return
	}
	names, paths := make([]string, 0, len(files)), make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.secret)
		paths = append(paths, f.path)
	}
	extra := []string{"CODER_REFRESHED_SECRETS=" + strings.Join(names, "\n"), "CODER_REFRESHED_FILES=" + strings.Join(paths, "\n")}
	timeout := a.o.RefreshCommandTimeout
	if timeout <= 0 {
		timeout = refreshCommandTimeout
	}
	for _, s := range scripts {
		for i, cmd := range parseRefreshDirectives(s.Script) {
			run := sdk.AgentScript{DisplayName: s.DisplayName, Script: cmd, LogPath: s.LogPath}
			cctx, cancel := context.WithTimeout(ctx, timeout)
			start := time.Now()
			err := a.runScriptWith(cctx, run, extra, false)
			cancel()
			took := time.Since(start).Round(time.Millisecond)
			if err != nil {
				if cctx.Err() != nil {
					err = errScriptTimeout
				}
				a.log.Error("post-refresh command failed", "script", s.DisplayName, "command", i+1, "err", err, "took", took)
				continue
			}
			a.log.Info("post-refresh command finished", "script", s.DisplayName, "command", i+1, "secrets", strings.Join(names, ","), "took", took)
		}
	}
}
