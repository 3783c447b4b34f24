// Package agent is the workspace agent: the process a workspace's template
// starts inside the workspace. It fetches the agent's manifest from the
// server, writes the owner's file secrets before any startup script runs,
// runs the startup scripts with the workspace environment (agent
// environment, coder_agent env, coder_env, then user secrets: see
// placement.BuildEnv), uploads their output with every secret value
// redacted, and reports its lifecycle. It then keeps a websocket to the
// server open, on which the server opens streams to the agent (SSH and the
// like); every time that connection is made again, the agent fetches the
// manifest again and applies it: files are written again and new sessions
// get the new environment. Scripts run only once per agent process: the
// startup scripts all at once, then the scheduled ones on their cron
// schedules while the agent runs, and the run_on_stop ones when it stops.
//
// Secret values never reach the agent's log, its errors or its command
// line: the token comes in Options (the CLI reads it from the environment
// and removes it there), and no session inherits it.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/agent/secretfiles"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

// Options configure an Agent. URL and Token are required.
type Options struct {
	// URL is the server's access URL.
	URL *url.URL
	// Token is the agent's token, sent in the Coder-Session-Token header.
	Token  string
	Logger *slog.Logger
	// Home is what "~/" means for file secrets and the workspace
	// directory. Default: os.UserHomeDir.
	Home string
	// HTTPClient talks to the server. Default: a client of its own.
	HTTPClient *http.Client
	// StreamHandler serves each stream the server opens on the agent's
	// connection, in a goroutine of its own; it owns the stream and must
	// close it. Default: close the stream at once.
	StreamHandler func(net.Conn)
	// Environ returns the agent's own environment, the base of every
	// session's. Default: os.Environ.
	Environ func() []string
	// RetryInitial and RetryMax bound the waits (exponential, with
	// jitter) between attempts to reach the server. Default 500ms and 30s.
	RetryInitial time.Duration
	RetryMax     time.Duration
	// Privileged reports whether file secrets must be written with the
	// guards for root (see secretfiles). Default: os.Geteuid() == 0.
	Privileged func() bool
	// LogDir is where a script's relative log_path is. Default:
	// os.TempDir().
	LogDir string
	// StateDir is where the agent keeps, per workspace, the list of the
	// files it wrote for secrets (paths only) to report stale ones.
	// Default: ~/.local/state/coder-agent (Home's).
	StateDir string
	// OnFilesApplied, if set, is told how many file secrets each manifest
	// wrote and how many failed (the agent's metrics).
	OnFilesApplied func(written, failed int)
	// RefreshCommandTimeout bounds each post-refresh command (see
	// refreshcmd.go). Default 60s.
	RefreshCommandTimeout time.Duration
}

// Agent is one workspace agent. Make it with New and start it with Run.
type Agent struct {
	o        Options
	log      *slog.Logger
	home     string
	client   *sdk.Client
	files    *secretfiles.Writer
	redactor *redactor
	reports  *reporter
	streams  sync.WaitGroup
	// login holds new sessions while start_blocks_login scripts run.
	login *loginGate

	// applyMu serializes writing the files of a manifest (fetched or
	// pushed).
	applyMu sync.Mutex
	// refreshMu runs the post-refresh commands of one push at a time.
	refreshMu sync.Mutex

	mu       sync.RWMutex
	manifest *sdk.AgentManifest

	// onDisk is, per secret, the path and value its file was last written
	// with (under applyMu): what tells a live refresh that changed a file
	// from one that rewrote the same bytes.
	onDisk map[string]diskFile
}

// diskFile is what a secret's file was last written with.
type diskFile struct {
	path  string
	value string
}

// remember records what res wrote for secrets; it returns the files that
// now hold another value or path than before.
func (a *Agent) remember(secrets []sdk.WorkspaceSecret, written []secretfiles.Written) []refreshed {
	if a.onDisk == nil {
		a.onDisk = map[string]diskFile{}
	}
	byName := map[string]sdk.WorkspaceSecret{}
	for _, s := range secrets {
		byName[s.Name] = s
	}
	var changed []refreshed
	for _, w := range written {
		now := diskFile{path: w.Path, value: byName[w.Secret].Value.Reveal()}
		if was, ok := a.onDisk[w.Secret]; !ok || was != now {
			changed = append(changed, refreshed{secret: w.Secret, path: w.Path})
		}
		a.onDisk[w.Secret] = now
	}
	return changed
}

// New returns an agent; nothing happens until Run.
func New(o Options) *Agent {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Home == "" {
		o.Home, _ = os.UserHomeDir()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if o.StreamHandler == nil {
		o.StreamHandler = func(c net.Conn) { _ = c.Close() }
	}
	if o.Environ == nil {
		o.Environ = os.Environ
	}
	if o.RetryInitial <= 0 {
		o.RetryInitial = 500 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 30 * time.Second
	}
	o.RetryMax = max(o.RetryMax, o.RetryInitial)
	if o.LogDir == "" {
		o.LogDir = os.TempDir()
	}
	if o.StateDir == "" {
		o.StateDir = filepath.Join(o.Home, ".local", "state", "coder-agent")
	}
	a := &Agent{o: o, log: o.Logger, home: o.Home, redactor: newRedactor(), login: newLoginGate()}
	if o.URL != nil {
		a.client = sdk.New(o.URL)
		a.client.HTTPClient = o.HTTPClient
		a.client.SessionToken = o.Token
	}
	cwdVolume := ""
	if wd, err := os.Getwd(); err == nil {
		cwdVolume = filepath.VolumeName(wd)
	}
	a.files = secretfiles.New(secretfiles.Options{
		Logger:     o.Logger,
		Home:       o.Home,
		CWDVolume:  cwdVolume,
		Privileged: o.Privileged,
	})
	a.reports = newReporter(a.client, o.Logger, o.RetryInitial, o.RetryMax)
	a.reports.agentID = func() uuid.UUID {
		if m := a.currentManifest(); m != nil {
			return m.AgentID
		}
		return uuid.Nil
	}
	return a
}

// startingTimeout bounds the wait for "starting" to reach the server
// before the startup scripts run.
const startingTimeout = 10 * time.Second

// shutdownTimeout bounds the last reports to the server when the agent
// stops. It is short: a stopping workspace's server answers 403 (the
// workspace is no longer started), and the template that stops the agent
// often waits for it to exit before it kills it.
const shutdownTimeout = 3 * time.Second

// Run starts the agent and serves until ctx ends: it waits for its manifest
// (retrying while the server answers 401, 403, 5xx or cannot be reached),
// writes the file secrets, reports "starting", runs the startup scripts
// (all at once), reports "ready" (or "start_error" when a script failed or
// timed out), runs the scripts that have a cron schedule on it, and keeps
// the connection to the server, reconnecting as needed. New sessions wait
// (see WaitLogin) until the start_blocks_login scripts have ended. When
// ctx ends it reports "shutting_down", stops what still runs of the
// startup and scheduled scripts, runs the run_on_stop scripts (each for at
// most its timeout, or stopScriptTimeout), reports "off" (best effort),
// closes its connection and returns nil. Scripts come from the first
// manifest: they run once per agent process. Run may be called once.
func (a *Agent) Run(ctx context.Context) error {
	if a.client == nil {
		return errors.New("run agent: no server URL")
	}
	if a.o.Token == "" {
		return errors.New("run agent: no agent token")
	}
	// Whatever happens, sessions are not held once Run returns.
	defer a.login.open(nil)
	reportCtx, stopReports := context.WithCancel(context.WithoutCancel(ctx))
	reportsDone := make(chan struct{})
	go func() {
		defer close(reportsDone)
		a.reports.run(reportCtx)
	}()
	defer func() {
		stopReports()
		<-reportsDone
	}()

	m, err := a.waitManifest(ctx)
	if err != nil {
		// ctx ended before the server answered: nothing started.
		return nil
	}
	a.apply(ctx, m)
	healthDone := make(chan struct{})
	go func() {
		defer close(healthDone)
		a.runAppHealth(ctx, m)
	}()
	defer func() { <-healthDone }()
	if !blocksLogin(m) {
		a.login.open(nil)
	}

	connCtx, stopConn := context.WithCancel(ctx)
	connDone := make(chan struct{})
	go func() {
		defer close(connDone)
		a.connectLoop(connCtx)
	}()

	a.reports.lifecycle(sdk.LifecycleStarting)
	// Let the server see "starting" before the scripts run, but do not
	// hold them back for a server that went away just now.
	startingCtx, cancelStarting := context.WithTimeout(ctx, startingTimeout)
	a.reports.flush(startingCtx)
	cancelStarting()
	ok := a.runStartScripts(ctx, m)
	if ctx.Err() == nil {
		state := sdk.LifecycleReady
		if !ok {
			state = sdk.LifecycleStartError
		}
		a.log.Info("startup done", "state", state)
		// Lines queued so far are sent before the state (see reporter).
		a.reports.lifecycle(state)
	}
	waitCron := a.startCron(ctx, m)

	<-ctx.Done()
	a.log.Info("shutting down")
	a.reports.lifecycle(sdk.LifecycleShutdown)
	// Scheduled scripts still running were stopped with ctx.
	waitCron()
	a.runStopScripts(context.WithoutCancel(ctx), m)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	stopConn()
	<-connDone
	streamsDone := make(chan struct{})
	go func() {
		a.streams.Wait()
		close(streamsDone)
	}()
	select {
	case <-streamsDone:
	case <-shutdownCtx.Done():
		a.log.Warn("stream handlers still running at shutdown")
	}
	a.reports.lifecycle(sdk.LifecycleOff)
	a.reports.flush(shutdownCtx)
	return nil
}

// waitManifest fetches the manifest, retrying with backoff until it
// arrives or ctx ends.
func (a *Agent) waitManifest(ctx context.Context) (sdk.AgentManifest, error) {
	b := newBackoff(a.o.RetryInitial, a.o.RetryMax)
	start := time.Now()
	var lastUnknownLog time.Time
	for {
		m, err := a.fetchManifest(ctx)
		if err == nil {
			return m, nil
		}
		if ctx.Err() != nil {
			return sdk.AgentManifest{}, ctx.Err()
		}
		d := b.next()
		unknown := sdk.StatusCode(err) == http.StatusUnauthorized
		if waited := time.Since(start); unknown && waited < unknownTokenPatience {
			// The server records the token when the build that
			// started this agent finishes, which is usually a moment
			// away: ask again soon rather than sleep past it.
			d = min(d, unknownTokenRetry)
			if waited < unknownTokenEager {
				d = min(d, unknownTokenEagerRetry)
			}
		}
		if !unknown || time.Since(lastUnknownLog) >= unknownTokenLogEvery {
			a.logServerError("fetch manifest", err, d)
			if unknown {
				lastUnknownLog = time.Now()
			}
		}
		if !wait(ctx, d) {
			return sdk.AgentManifest{}, ctx.Err()
		}
	}
}

// While the server does not know the agent's token yet (401: the build
// that started the agent is still running), the first manifest fetch is
// retried every unknownTokenEagerRetry for unknownTokenEager (a 401 costs
// the server one indexed lookup, and the build usually ends within
// seconds of starting its agent, so the agent connects within a tenth of
// a second of it), then at least every unknownTokenRetry until
// unknownTokenPatience; then the usual backoff takes over (a token that
// stays unknown belongs to a build that failed or a workspace that is
// gone). The 401s are logged once per unknownTokenLogEvery.
const (
	unknownTokenEagerRetry = 100 * time.Millisecond
	unknownTokenEager      = 15 * time.Second
	unknownTokenRetry      = time.Second
	unknownTokenPatience   = 2 * time.Minute
	unknownTokenLogEvery   = 5 * time.Second
)

// requestTimeout bounds one request to the server.
const requestTimeout = 30 * time.Second

// fetchManifest makes one attempt to fetch the manifest.
func (a *Agent) fetchManifest(ctx context.Context) (sdk.AgentManifest, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return a.client.AgentManifest(ctx)
}

// logServerError logs a failed request that will be tried again in d.
func (a *Agent) logServerError(what string, err error, d time.Duration) {
	d = d.Round(time.Millisecond)
	switch code := sdk.StatusCode(err); code {
	case http.StatusUnauthorized, http.StatusForbidden:
		// Expected while the workspace's build is still being recorded.
		a.log.Info(what+": the server does not accept the agent token yet; retrying", "status", code, "retry_in", d)
	default:
		a.log.Warn(what+"; retrying", "err", err, "retry_in", d)
	}
}

// apply makes m the current manifest: secret values are learnt for
// redaction, file secrets are written, and new sessions get its
// environment.
func (a *Agent) apply(ctx context.Context, m sdk.AgentManifest) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.redactor.add(m.Secrets)
	res := a.files.Apply(ctx, m.Secrets)
	a.remember(m.Secrets, res.Written)
	stale := a.trackWritten(m.WorkspaceID, a.files.Plan(m.Secrets), res)
	for _, f := range stale {
		a.log.Warn("a file written for a secret is no longer targeted by any secret; it is left in place", "path", f.Path, "secret", f.Secret)
	}
	if m.Revision != "" {
		a.reports.manifestApplied(sdk.AgentManifestAppliedRequest{AgentID: m.AgentID, Revision: m.Revision, StaleFiles: stale, Home: a.home})
	}
	if a.o.OnFilesApplied != nil {
		a.o.OnFilesApplied(len(res.Written), len(res.Failed))
	}
	a.mu.Lock()
	a.manifest = &m
	a.mu.Unlock()
	envSecrets := 0
	for _, s := range m.Secrets {
		if s.EnvName != "" {
			envSecrets++
		}
	}
	for _, p := range m.Problems {
		a.log.Warn("manifest problem: " + p)
	}
	a.log.Info("applied manifest", "build_id", m.BuildID, "workspace", m.WorkspaceName,
		"files_written", len(res.Written), "files_failed", len(res.Failed), "file_collisions", len(res.Warnings),
		"env_secrets", envSecrets, "scripts", len(m.Scripts))
}

func (a *Agent) currentManifest() *sdk.AgentManifest {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.manifest
}

// SessionEnv returns the environment of a new session (shell, command,
// terminal, app or startup script), built by placement.BuildEnv from the
// agent's own environment and the latest manifest. Call it for every new
// session: it changes when a reconnect brings a new manifest.
func (a *Agent) SessionEnv() []string {
	m := a.currentManifest()
	base := append(a.o.Environ(), "CODER=true")
	if m == nil {
		return placement.BuildEnv(base, nil, nil)
	}
	base = append(base,
		"CODER_WORKSPACE_NAME="+m.WorkspaceName,
		"CODER_WORKSPACE_AGENT_NAME="+m.AgentName,
		"CODER_WORKSPACE_OWNER_NAME="+m.OwnerName,
	)
	return placement.BuildEnv(base, m.Env, m.Secrets)
}

// WorkDir returns where a new session starts: the manifest's directory
// when it exists, else the home directory.
func (a *Agent) WorkDir() string { return a.workDir() }

// String names the agent without its token.
func (a *Agent) String() string {
	if a.o.URL == nil {
		return "agent"
	}
	return fmt.Sprintf("agent of %s", a.o.URL.Redacted())
}
