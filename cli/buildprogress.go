package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/usersecrets/coder/sdk"
)

// followOptions say how a build is shown.
type followOptions struct {
	// workspace names the workspace in messages.
	workspace string
	// verbose prints Terraform's log under each stage.
	verbose bool
	// waitAgent is how long a successful start waits for the agent to
	// connect and run its startup scripts (0: not at all).
	waitAgent time.Duration
}

// stageClock shows a build as stages with their durations: a stage ends
// when the next one starts, the last one when the build does.
type stageClock struct {
	w       io.Writer
	verbose bool
	name    string
	started time.Time
}

func (s *stageClock) begin(name string, at time.Time) {
	s.end(at)
	s.name, s.started = name, at
	if s.verbose {
		fmt.Fprintf(s.w, "--- %s\n", name)
	} else {
		fmt.Fprintf(s.w, "  %-8s ... ", name)
	}
}

// end closes the current stage, if any, with its duration.
func (s *stageClock) end(at time.Time) {
	if s.name == "" {
		return
	}
	d := at.Sub(s.started)
	if d < 0 {
		d = 0
	}
	verb := "done"
	if s.name == "agent" {
		verb = "connected"
	}
	if s.verbose {
		fmt.Fprintf(s.w, "    %s %s in %s\n", s.name, verb, roundDuration(d))
	} else {
		fmt.Fprintf(s.w, "%s in %s\n", verb, roundDuration(d))
	}
	s.name = ""
}

// fail closes the current stage as failed; it returns the stage's name.
func (s *stageClock) fail() string {
	name := s.name
	if name != "" && !s.verbose {
		fmt.Fprintln(s.w, "failed")
	}
	s.name = ""
	return name
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// errInterrupted says the CLI stopped following; the build goes on.
type errInterrupted struct{ workspace string }

func (e errInterrupted) Error() string {
	return fmt.Sprintf("interrupted: the build goes on on the server.\n"+
		"  Follow it with:    coder logs %[1]s\n"+
		"  See its state with: coder show %[1]s\n"+
		"  Cancel it with:     coder stop %[1]s", e.workspace)
}

// followBuild shows a build until it ends: its stages with their timings
// (Terraform's log under them with verbose), then for a successful start
// the agent connecting and its startup scripts. A failed build is an error
// that names the failing stage and carries the build's error, printed once.
func followBuild(ctx context.Context, c *sdk.Client, b sdk.WorkspaceBuild, w io.Writer, o followOptions) error {
	fmt.Fprintf(w, "==> Build #%d of %q: %s\n", b.BuildNumber, o.workspace, b.Transition)
	clock := &stageClock{w: w, verbose: o.verbose}
	done, err := c.FollowBuildLogs(ctx, b.ID, func(l sdk.BuildLog) {
		if l.Stage != clock.name {
			clock.begin(l.Stage, l.CreatedAt)
		}
		if o.verbose {
			fmt.Fprintln(w, "    "+l.Output)
		}
	})
	if err != nil {
		clock.fail()
		if ctx.Err() != nil {
			return errInterrupted{o.workspace}
		}
		return fmt.Errorf("follow the build: %w", describeReach(err))
	}
	if done.Status != sdk.BuildSucceeded {
		stage := clock.fail()
		msg := done.Error
		if msg == "" {
			msg = "no error message"
		}
		if stage != "" {
			return fmt.Errorf("the %s build failed at the %s stage:\n%s", done.Transition, stage, msg)
		}
		return fmt.Errorf("the %s build failed: %s", done.Transition, msg)
	}
	end := time.Now()
	if done.CompletedAt != nil {
		end = *done.CompletedAt
	}
	clock.end(end)
	if done.Transition == sdk.TransitionStart && o.waitAgent > 0 {
		if err := waitAgent(ctx, c, o, w, end); err != nil {
			return err
		}
	}
	return nil
}

// waitAgent shows the agent connecting (timed from the build's end) and
// its startup scripts running. An agent that does not connect within the
// wait is a warning, not an error: the build itself succeeded. The server
// holds each request until the agent's state changes
// (sdk.Client.WaitWorkspaceAgent), so a change is seen as it happens.
func waitAgent(ctx context.Context, c *sdk.Client, o followOptions, w io.Writer, since time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, o.waitAgent)
	defer cancel()
	clock := &stageClock{w: w, verbose: o.verbose}
	stage, key := "", ""
	for {
		wait := agentWaitHold
		if d, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(d))
		}
		a, err := c.WaitWorkspaceAgent(ctx, sdk.Me, o.workspace, key, wait)
		if sdk.StatusCode(err) == 404 && stage == "" {
			return nil // the template has no agent: nothing to wait for
		}
		if err == nil {
			key = a.StateKey
			if stage == "" {
				stage = "agent"
				clock.begin("agent", since)
			}
			if a.Connected && stage == "agent" {
				stage = "scripts"
				now := time.Now()
				clock.begin("scripts", now)
			}
			switch {
			case a.Connected && a.LifecycleState == sdk.LifecycleReady:
				clock.end(time.Now())
				return nil
			case a.Connected && a.LifecycleState == sdk.LifecycleStartError:
				clock.fail()
				fmt.Fprintf(w, "Warning: a startup script of %q failed; its output: coder logs %s\n", o.workspace, o.workspace)
				return nil
			}
		}
		// An error (the server restarting, a network blip) is retried
		// after a pause, until the wait ends.
		if err == nil && ctx.Err() == nil {
			continue
		}
		key = ""
		t := time.NewTimer(agentRetryPause)
		select {
		case <-ctx.Done():
			t.Stop()
			clock.fail()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				fmt.Fprintf(w, "Warning: the agent of %q is not ready after %s; see `coder show %s`.\n", o.workspace, o.waitAgent, o.workspace)
				return nil
			}
			return errInterrupted{o.workspace}
		case <-t.C:
		}
	}
}

// agentWaitHold is how long one request of waitAgent may be held by the
// server; agentRetryPause is the pause after a failed one.
const (
	agentWaitHold   = 10 * time.Second
	agentRetryPause = 250 * time.Millisecond
)

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
