package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/usersecrets/coder/sdk"
)

// cronParser reads coder_script's cron as Coder documents it: six fields,
// seconds first (second, minute, hour, day of month, month, day of week),
// the day of week optional; descriptors (@hourly, @daily, @every 1h30m...)
// too. Times are in the agent's local time zone.
var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.DowOptional | cron.Descriptor)

// cronSchedule is a parsed cron expression: Next returns the first time
// after t, or the zero time when there is none.
type cronSchedule interface {
	Next(t time.Time) time.Time
}

// parseCron parses a coder_script cron expression (see cronParser).
func parseCron(expr string) (sched cronSchedule, err error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, fmt.Errorf("empty cron expression")
	}
	// The library reads a "TZ=zone " prefix and indexes past the zone's
	// end without checking that a space follows.
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		if !strings.Contains(expr, " ") {
			return nil, fmt.Errorf("cron expression %q is only a time zone", expr)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cron expression %q cannot be read", expr)
		}
	}()
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q: %w", expr, err)
	}
	return s, nil
}

// startCron runs every script of m that has a cron schedule on that
// schedule, until ctx ends; a run that is due while the previous one is
// still going is skipped. The returned function waits for the schedules
// to stop (ctx must have ended: running scripts are stopped with it).
func (a *Agent) startCron(ctx context.Context, m sdk.AgentManifest) (wait func()) {
	var wg sync.WaitGroup
	for _, s := range m.Scripts {
		if s.Cron == "" {
			continue
		}
		sched, err := parseCron(s.Cron)
		if err != nil {
			a.log.Error("a script's cron schedule cannot be read; it does not run on a schedule", "script", s.DisplayName, "err", err)
			a.reports.addLog(sdk.AgentLog{
				CreatedAt: time.Now(), Level: "error", Source: s.DisplayName,
				Output: "The agent cannot read this script's cron schedule " + fmt.Sprintf("%q", s.Cron) + "; it does not run on a schedule.",
			})
			continue
		}
		a.log.Info("scheduled script", "script", s.DisplayName, "cron", s.Cron)
		wg.Go(func() { a.cronLoop(ctx, s, sched) })
	}
	return wg.Wait
}

// cronLoop runs s at every time of sched until ctx ends. Runs never
// overlap: the next time is taken after a run ends.
func (a *Agent) cronLoop(ctx context.Context, s sdk.AgentScript, sched cronSchedule) {
	var last time.Time
	for {
		now := time.Now()
		// A timer that fired on the monotonic clock while the wall clock
		// is a hair behind must not run the same time twice.
		next := sched.Next(laterOf(now, last))
		if next.IsZero() {
			a.log.Warn("a script's cron schedule has no further time; it no longer runs", "script", s.DisplayName, "cron", s.Cron)
			return
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		last = next
		_ = a.runLogged(ctx, s, phaseCron)
		if ctx.Err() != nil {
			return
		}
	}
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
