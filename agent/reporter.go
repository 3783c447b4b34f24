package agent

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

const (
	// logBatch is the most lines one upload carries, and logBatchBytes
	// about the most text: even if JSON escaped every byte into six, the
	// body stays below the server's 256 KiB limit.
	logBatch      = 100
	logBatchBytes = 32 << 10
	// logFlushInterval is how long a line may wait for its batch to fill.
	logFlushInterval = 250 * time.Millisecond
	// maxQueuedLogs bounds what waits for a server that is away; older
	// lines are dropped first.
	maxQueuedLogs = 10000
)

// reporter sends lifecycle changes and script logs to the server in the
// order they happened (so the logs of the startup scripts arrive before
// "ready"), retrying with backoff while the server is away.
type reporter struct {
	client *sdk.Client
	// agentID returns the agent id of the current manifest: each report
	// carries the id current when it was queued.
	agentID      func() uuid.UUID
	log          *slog.Logger
	retryInitial time.Duration
	retryMax     time.Duration

	mu      sync.Mutex
	queue   []report       // waiting to be sent, oldest first
	pending []sdk.AgentLog // lines not yet in a batch
	dropped int            // lines dropped because the queue was full
	wake    chan struct{}
	idle    chan struct{} // closed and replaced when the queue empties
	// stopping is set once "shutting_down" is queued: from then on a 401
	// or 403 is final (see refusedForGood).
	stopping bool
}

// report is one request: a lifecycle change or a batch of logs.
type report struct {
	state     string
	changedAt time.Time
	logs      []sdk.AgentLog
	agentID   uuid.UUID
	// applied, when set, reports the manifest revision the agent applied.
	applied *sdk.AgentManifestAppliedRequest
}

func newReporter(client *sdk.Client, log *slog.Logger, retryInitial, retryMax time.Duration) *reporter {
	return &reporter{
		client: client, log: log, retryInitial: retryInitial, retryMax: retryMax,
		wake: make(chan struct{}, 1), idle: make(chan struct{}),
	}
}

// currentID is the agent id reports are queued under (nil before the first
// manifest: the server then takes the report as the current agent's).
func (r *reporter) currentID() uuid.UUID {
	if r.agentID == nil {
		return uuid.Nil
	}
	return r.agentID()
}

// lifecycle queues a state change after every log line queued so far.
func (r *reporter) lifecycle(state string) {
	r.mu.Lock()
	r.batchLocked()
	r.queue = append(r.queue, report{state: state, changedAt: time.Now(), agentID: r.currentID()})
	if state == sdk.LifecycleShutdown {
		r.stopping = true
	}
	r.mu.Unlock()
	r.poke()
}

// manifestApplied queues the report of an applied manifest after every log
// line queued so far.
func (r *reporter) manifestApplied(req sdk.AgentManifestAppliedRequest) {
	r.mu.Lock()
	r.batchLocked()
	r.queue = append(r.queue, report{applied: &req, agentID: req.AgentID})
	r.mu.Unlock()
	r.poke()
}

// addLog queues one (already redacted) line.
func (r *reporter) addLog(l sdk.AgentLog) {
	r.mu.Lock()
	r.pending = append(r.pending, l)
	if len(r.pending) > maxQueuedLogs {
		r.dropped += len(r.pending) - maxQueuedLogs
		r.pending = r.pending[len(r.pending)-maxQueuedLogs:]
	}
	full := len(r.pending) >= logBatch
	if full {
		r.batchLocked()
	}
	r.mu.Unlock()
	if full {
		r.poke()
	}
}

func (r *reporter) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) batchLocked() {
	for len(r.pending) > 0 {
		n, size := 0, 0
		for n < len(r.pending) && n < logBatch {
			l := len(r.pending[n].Output) + len(r.pending[n].Source) + 64
			if n > 0 && size+l > logBatchBytes {
				break
			}
			size += l
			n++
		}
		r.queue = append(r.queue, report{logs: r.pending[:n:n], agentID: r.currentID()})
		r.pending = r.pending[n:]
	}
	r.pending = nil
}

// flush waits until everything queued so far was sent (or given up), or
// ctx ends.
func (r *reporter) flush(ctx context.Context) {
	r.mu.Lock()
	r.batchLocked()
	empty := len(r.queue) == 0
	idle := r.idle
	r.mu.Unlock()
	if empty {
		return
	}
	r.poke()
	select {
	case <-idle:
	case <-ctx.Done():
	}
}

// run sends reports until ctx ends.
func (r *reporter) run(ctx context.Context) {
	tick := time.NewTicker(logFlushInterval)
	defer tick.Stop()
	for {
		r.mu.Lock()
		if len(r.queue) == 0 && len(r.pending) > 0 {
			r.batchLocked()
		}
		var next report
		has := len(r.queue) > 0
		if has {
			next = r.queue[0]
		}
		dropped := r.dropped
		r.dropped = 0
		r.mu.Unlock()
		if dropped > 0 {
			r.log.Warn("dropped script log lines while the server was away", "lines", dropped)
		}
		if !has {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-tick.C:
			}
			continue
		}
		if !r.send(ctx, next) {
			return
		}
		r.mu.Lock()
		r.queue = r.queue[1:]
		if len(r.queue) == 0 && len(r.pending) == 0 {
			close(r.idle)
			r.idle = make(chan struct{})
		}
		r.mu.Unlock()
	}
}

// send posts one report, retrying while the server is away or answers
// 401, 403, 408, 429 or 5xx. It gives up on other answers (logged) and
// returns false only when ctx ended.
func (r *reporter) send(ctx context.Context, rep report) bool {
	b := newBackoff(r.retryInitial, r.retryMax)
	for {
		var err error
		what := "logs"
		reqCtx, cancel := context.WithTimeout(ctx, requestTimeout)
		switch {
		case rep.applied != nil:
			what = "manifest applied"
			err = r.client.PostManifestApplied(reqCtx, *rep.applied)
		case rep.state != "":
			what = "lifecycle"
			err = r.client.PostLifecycle(reqCtx, sdk.AgentLifecycleRequest{State: rep.state, ChangedAt: rep.changedAt, AgentID: rep.agentID})
		default:
			err = r.client.PostLogs(reqCtx, sdk.AgentLogsRequest{Logs: rep.logs, AgentID: rep.agentID})
		}
		cancel()
		if err == nil {
			if rep.state != "" {
				r.log.Info("reported lifecycle state", "state", rep.state)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if r.refusedForGood(err) {
			// The workspace is being stopped or was deleted: its
			// server refuses this agent's token from now on, and the
			// stop should not wait on retries.
			r.log.Info("the server no longer takes this agent's reports (the workspace is stopping); dropping them", "report", what, "state", rep.state, "status", sdk.StatusCode(err))
			return true
		}
		if !retryable(err) {
			r.log.Error("the server refused a report; dropping it", "report", what, "state", rep.state, "err", err)
			return true
		}
		d := b.next()
		r.log.Warn("send report to the server; retrying", "report", what, "state", rep.state, "err", err, "retry_in", d.Round(time.Millisecond))
		if !wait(ctx, d) {
			return false
		}
	}
}

// refusedForGood says whether err is the server refusing the agent's token
// (401 or 403) after the agent began shutting down. The server refuses an
// agent's token once its build is no longer the workspace's latest start
// (a stop build is queued, the workspace was deleted), which is when an
// agent shuts down; that never changes back for this token, so retrying
// only holds up the stop. Before shutdown a 401 or 403 is retried
// (retryable): a new build may not be recorded yet.
func (r *reporter) refusedForGood(err error) bool {
	code := sdk.StatusCode(err)
	if code != http.StatusUnauthorized && code != http.StatusForbidden {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping
}

// retryable says whether a request that failed with err may succeed later:
// the server was unreachable, or answered 401/403 (expected while the
// workspace's build is still being recorded), 408, 429 or 5xx.
func retryable(err error) bool {
	switch code := sdk.StatusCode(err); {
	case code == 0, code >= 500:
		return true
	case code == http.StatusUnauthorized, code == http.StatusForbidden,
		code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	default:
		return false
	}
}
