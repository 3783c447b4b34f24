// Package provisioner runs workspace builds: its workers claim queued builds
// from the store (each build runs exactly once, also with several server
// processes on one database), run terraform init, plan and apply in a
// private temporary folder with the coder/coder provider mirror and exactly
// the environment of SPEC.md section 5, stream redacted logs, and record the
// state and the workspace's agents in one transaction (the store seals
// them).
//
// Terraform runs through terraform-exec and the applied state is read with
// terraform-json. terraform-exec starts the coder binary in Terraform's
// place (see LaunchEnv), which runs Terraform under the build supervisor on
// Linux (see Supervise). The package also lays out the provider mirror
// (provider/tfmirror) and writes the agent bootstrap script templates run.
package provisioner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/server/dirlock"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/wake"
)

// Options configure a Provisioner.
type Options struct {
	// Store is the encrypted store (store/cryptstore): builds read the
	// owner's secret values and the prior state, and record the state and
	// the agents, in plaintext through it.
	Store  store.Store
	Logger *slog.Logger
	// Terraform is the terraform (or tofu) binary.
	Terraform string
	// Executable is the coder binary: terraform-exec starts it in
	// Terraform's place (see LaunchEnv), and it is the build supervisor.
	Executable string
	// Supervise runs every Terraform command under the build supervisor
	// (see Supervise) on Linux, so that no build process outlives the
	// server. Otherwise Terraform runs without it.
	Supervise bool
	// AgentBinaries are the agent binaries the server serves, by platform
	// (FindAgentBinaries); nil means Executable for its own platform only.
	AgentBinaries map[string]AgentBinary
	// MirrorDir holds the coder/coder provider mirror (see tfmirror),
	// laid out again by New.
	MirrorDir string
	// AccessURL is the server's URL, as Terraform and agents reach it; the
	// agent bootstrap script fetches the agent binary from it.
	AccessURL *url.URL
	// WorkDir holds one folder per server process (proc-<WorkerID>, locked
	// while the process lives), which holds the per-job temporary folders.
	WorkDir string
	// WorkerID names this process's workers in the store.
	WorkerID string
	// Workers is how many builds run at once in this process (default 2).
	Workers int
	// BaseEnv is the server's own environment; every CODER_* and TF_*
	// variable is removed from it before it reaches Terraform.
	BaseEnv []string
	// Policy is the deployment's delivery policy: under it a start build's
	// environment carries only the secret targets that are delivered.
	Policy placement.Policy
	// ExtraEnv is added to every Terraform command (after BaseEnv).
	ExtraEnv []string
	// PollInterval is how often idle workers look for queued builds
	// (default 1s; Wake makes them look at once).
	PollInterval time.Duration
	// HeartbeatInterval (default 5s) and StaleAfter (default 1m): a running
	// build whose heartbeat is older than StaleAfter belonged to a server
	// that stopped; it is failed.
	HeartbeatInterval time.Duration
	StaleAfter        time.Duration
	// CancelPollInterval is how often a running build checks whether it
	// was canceled (default 1s).
	CancelPollInterval time.Duration
	// SingleProcess says no other process shares the store (the embedded
	// SQLite default): every running build found at start is stale.
	SingleProcess bool
	// OnBuildDone, if set, is called after each build this process ran is
	// recorded, with its transition, final status and how long it ran (the
	// server's metrics). It must not block.
	OnBuildDone func(transition, status string, took time.Duration)
}

// Provisioner runs builds.
type Provisioner struct {
	o    Options
	ws   store.WorkspaceStore
	wake chan struct{}
	wg   sync.WaitGroup
	// dir is this process's folder under WorkDir, held by lock.
	dir  string
	lock *dirlock.Lock
	// mirror installs coder/coder for Terraform; agentScripts maps
	// "<os>_<arch>" to the agent bootstrap script.
	mirror       *tfmirror.Mirror
	agentScripts map[string]string
	// running maps the id of each build this process runs to its
	// *runningJob (pending.go).
	running sync.Map
	// watches wake the followers of a build's log (watch.go).
	watches wake.Set
	// inits lets one build of a version run init at a time (initcache.go).
	inits initLocks
	// started holds Start's ctx once the workers run (the server's
	// readiness).
	started atomic.Pointer[context.Context]
}

// Running reports whether the workers were started and their ctx is not
// done.
func (p *Provisioner) Running() bool {
	ctx := p.started.Load()
	return ctx != nil && (*ctx).Err() == nil
}

// New returns a Provisioner. The store must also be a store.WorkspaceStore.
func New(o Options) (*Provisioner, error) {
	ws, ok := o.Store.(store.WorkspaceStore)
	if !ok {
		return nil, errors.New("provisioner: the store does not keep workspaces")
	}
	if o.Terraform == "" {
		return nil, errors.New("provisioner: no terraform binary")
	}
	if o.Executable == "" {
		return nil, errors.New("provisioner: no coder binary")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 5 * time.Second
	}
	if o.CancelPollInterval <= 0 {
		o.CancelPollInterval = time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = time.Minute
	}
	if o.WorkerID == "" {
		return nil, errors.New("provisioner: no worker id")
	}
	mirror, err := tfmirror.Setup(tfmirror.Options{Dir: o.MirrorDir, Executable: o.Executable})
	if err != nil {
		return nil, fmt.Errorf("lay out the provider mirror: %w", err)
	}
	// The agent binaries: this one, and the cross-compiled ones if any;
	// each platform's bootstrap script checks its binary's checksum.
	bins := o.AgentBinaries
	if bins == nil {
		var err error
		if bins, err = FindAgentBinaries(o.Executable, ""); err != nil {
			return nil, err
		}
	}
	access := ""
	if o.AccessURL != nil {
		access = o.AccessURL.String()
	}
	scripts := agentScripts(access, bins)
	dir := filepath.Join(o.WorkDir, procPrefix+o.WorkerID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create provisioner folder: %w", err)
	}
	lock, err := dirlock.Acquire(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("lock provisioner folder: %w", err)
	}
	return &Provisioner{o: o, ws: ws, wake: make(chan struct{}, 1), dir: dir, lock: lock, mirror: mirror, agentScripts: scripts}, nil
}

// Wake tells an idle worker to look for a queued build now.
func (p *Provisioner) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start fails the builds a stopped server left running, then starts the
// workers and the reaper. They stop when ctx is done; Wait waits for them.
func (p *Provisioner) Start(ctx context.Context) error {
	p.removeStaleFolders()
	now := time.Now()
	before := now.Add(-p.o.StaleAfter)
	if p.o.SingleProcess {
		before = now.Add(time.Hour)
	}
	n, err := p.ws.FailStaleBuilds(ctx, before, "the server stopped while this build was running; start it again")
	if err != nil {
		return fmt.Errorf("fail stale builds: %w", err)
	}
	if n > 0 {
		p.o.Logger.Warn("failed builds left running by a stopped server", "count", n)
	}
	p.o.Logger.Info("provisioner started", "workers", p.o.Workers)
	for i := 0; i < p.o.Workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work(ctx)
		}()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.reap(ctx)
	}()
	p.started.Store(&ctx)
	return nil
}

// Files and folders of WorkDir.
const (
	procPrefix = "proc-"
	lockName   = ".lock"
)

// removeStaleFolders removes the folders of server processes that died
// (their lock is free; they may hold plan files and state), after killing
// the build processes still running in them. Folders of live processes,
// on this machine and sharing WorkDir, are left alone.
func (p *Provisioner) removeStaleFolders() {
	entries, err := os.ReadDir(p.o.WorkDir)
	if err != nil {
		p.o.Logger.Warn("read the build folders", "error", err)
		return
	}
	removed, killed := 0, 0
	for _, e := range entries {
		path := filepath.Join(p.o.WorkDir, e.Name())
		if path == p.dir {
			continue
		}
		if e.IsDir() && strings.HasPrefix(e.Name(), procPrefix) {
			l, err := dirlock.Acquire(filepath.Join(path, lockName))
			if errors.Is(err, dirlock.ErrLocked) {
				continue // a live server process
			}
			if err != nil {
				p.o.Logger.Warn("check a build folder", "name", e.Name(), "error", err)
				continue
			}
			defer l.Unlock()
		}
		// Folders of an earlier layout (build-* right here) too.
		killed += killProcessesUnder(path)
		if err := os.RemoveAll(path); err != nil {
			p.o.Logger.Warn("remove a stale build folder", "name", e.Name(), "error", err)
			continue
		}
		removed++
	}
	if killed > 0 {
		p.o.Logger.Warn("killed build processes left by a server that died", "count", killed)
	}
	if removed > 0 {
		p.o.Logger.Info("removed stale build folders", "count", removed)
	}
}

// Wait waits for the workers after ctx is done.
func (p *Provisioner) Wait() { p.wg.Wait() }

func (p *Provisioner) work(ctx context.Context) {
	t := time.NewTicker(p.o.PollInterval)
	defer t.Stop()
	for {
		for {
			if ctx.Err() != nil {
				return
			}
			b, err := p.ws.ClaimBuild(ctx, p.o.WorkerID, time.Now().UTC())
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				if ctx.Err() == nil {
					p.o.Logger.Error("claim build", "error", err)
				}
				break
			}
			// Wake holds one signal: builds queued at once may have
			// sent more than one, so another idle worker looks too.
			p.Wake()
			p.run(ctx, b)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

func (p *Provisioner) reap(ctx context.Context) {
	t := time.NewTicker(p.o.StaleAfter / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := p.ws.FailStaleBuilds(ctx, time.Now().Add(-p.o.StaleAfter), "the server running this build stopped answering; start it again")
		if err != nil && ctx.Err() == nil {
			p.o.Logger.Error("fail stale builds", "error", err)
		}
		if n > 0 {
			p.o.Logger.Warn("failed stale builds", "count", n)
		}
	}
}
