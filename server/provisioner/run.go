package provisioner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/buildenv"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// job is one build being run.
type job struct {
	p        *Provisioner
	build    store.WorkspaceBuild
	ws       store.Workspace
	owner    store.User
	tmpl     store.Template
	version  store.TemplateVersion
	dir      string
	redactor *redact.Redactor
	env      []string
	tf       *tfexec.Terraform

	// running is what the agent API waits on (pending.go).
	running *runningJob

	// resources are the applied state's resources (parseResources).
	resources []store.WorkspaceResource

	logMu sync.Mutex
	logs  []store.BuildLog
	// flushMu makes the batches' inserts one after the other: two at once
	// (the half-second flusher's and a full batch's) can commit out of
	// their ids' order, and a follower that read the later batch first
	// (after = its last id) never sees the earlier one.
	flushMu sync.Mutex
}

// run runs one claimed build to its end and records the result. It never
// returns an error: failures are recorded on the build.
func (p *Provisioner) run(ctx context.Context, b store.WorkspaceBuild) {
	logger := p.o.Logger.With("build_id", b.ID, "workspace_id", b.WorkspaceID, "transition", b.Transition)
	logger.Info("build started")
	j := &job{p: p, build: b}
	started := time.Now()
	j.running = p.register(b.ID)
	defer p.unregister(b.ID, j.running)

	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go j.heartbeat(hbCtx)

	// A cancel asked through the API interrupts Terraform (SIGINT, then
	// a kill after a grace period) like a server shutdown does, but the
	// build ends as canceled.
	jobCtx, cancelJob := context.WithCancelCause(ctx)
	defer cancelJob(nil)
	go j.watchCancel(hbCtx, cancelJob)

	stopFlusher := j.startLogFlusher(ctx)
	state, agents, err := j.execute(jobCtx)
	if errors.Is(context.Cause(jobCtx), errCanceled) {
		j.log("cancel", "info", "The build was canceled; Terraform was interrupted.")
	}
	stopFlusher()
	j.flushLogs(context.WithoutCancel(ctx))
	status, msg := sdk.BuildSucceeded, ""
	if err != nil {
		status, msg = sdk.BuildFailed, j.redactor.String(err.Error())
		switch {
		case ctx.Err() != nil:
			msg = "the server stopped while this build was running; start it again"
		case errors.Is(context.Cause(jobCtx), errCanceled):
			status, msg = sdk.BuildCanceled, "canceled on request"
		}
	}
	params := store.CompleteBuildParams{
		BuildID:     b.ID,
		WorkerID:    p.o.WorkerID,
		Status:      status,
		Error:       msg,
		CompletedAt: time.Now().UTC(),
	}
	// The store seals the state and the agents' config.
	params.State = state
	if params.Status == sdk.BuildSucceeded {
		params.Agents, params.Resources = agents, j.resources
	}
	if err := p.ws.CompleteBuild(context.WithoutCancel(ctx), params); err != nil {
		logger.Error("record build result", "error", err)
		return
	}
	// Counted before those waiting on the build are woken.
	if p.o.OnBuildDone != nil {
		p.o.OnBuildDone(b.Transition, params.Status, time.Since(started))
	}
	p.NotifyBuild(b.ID)
	logger.Info("build finished", "status", params.Status)
}

// errCanceled is the cause of a job's context when its build was canceled.
var errCanceled = errors.New("build canceled")

// watchCancel polls the store for a cancel of the build and cancels the
// job when there is one.
func (j *job) watchCancel(ctx context.Context, cancel context.CancelCauseFunc) {
	t := time.NewTicker(j.p.o.CancelPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			asked, err := j.p.ws.BuildCancelRequested(ctx, j.build.ID)
			if err != nil {
				if ctx.Err() == nil {
					j.p.o.Logger.Warn("read build cancel", "build_id", j.build.ID, "error", err)
				}
				continue
			}
			if asked {
				j.p.o.Logger.Info("build canceled on request", "build_id", j.build.ID)
				cancel(errCanceled)
				return
			}
		}
	}
}

func (j *job) heartbeat(ctx context.Context) {
	t := time.NewTicker(j.p.o.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := j.p.ws.HeartbeatBuild(ctx, j.build.ID, j.p.o.WorkerID, time.Now().UTC()); err != nil && ctx.Err() == nil {
				j.p.o.Logger.Warn("build heartbeat", "build_id", j.build.ID, "error", err)
			}
		}
	}
}

// execute prepares the folder and runs terraform. It returns the state
// file's bytes whenever terraform may have changed it (also on failure), and
// the agents after a successful apply.
func (j *job) execute(ctx context.Context) (state []byte, agents []store.WorkspaceAgent, err error) {
	p := j.p
	if err := j.load(ctx); err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(p.dir, "build-")
	if err != nil {
		return nil, nil, fmt.Errorf("create the build folder: %w", err)
	}
	// Plan files and the state copy never outlive the job.
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("protect the build folder: %w", err)
	}
	j.dir = dir
	if j.build.Transition == sdk.TransitionStart {
		name := filepath.Join(dir, agentTokenHashesFile)
		j.running.hashFile.Store(&name)
		j.env = append(j.env, buildenv.AgentTokenHashes+"="+name)
	}
	if err := templatearchive.Extract(j.version.Archive, dir); err != nil {
		return nil, nil, fmt.Errorf("extract the template: %w", err)
	}
	if _, err := tfmirror.StripLockFile(dir); err != nil {
		return nil, nil, fmt.Errorf("prepare the lock file: %w", err)
	}
	statePath := filepath.Join(dir, "terraform.tfstate")
	prior, err := j.priorState(ctx)
	if err != nil {
		return nil, nil, err
	}
	if prior != nil {
		if err := os.WriteFile(statePath, prior, 0o600); err != nil {
			return nil, nil, fmt.Errorf("write the prior state: %w", err)
		}
	}
	readState := func() []byte {
		b, rerr := os.ReadFile(statePath)
		if rerr != nil {
			return prior
		}
		return b
	}

	if j.tf, err = j.newTerraform(); err != nil {
		return nil, nil, fmt.Errorf("prepare terraform: %w", err)
	}
	destroy := j.build.Transition == sdk.TransitionDelete
	// An earlier build of this version in this process ran init: its
	// result is copied (initcache.go).
	reused, err := j.initialize(ctx, destroy)
	if err != nil {
		return prior, nil, err
	}
	if reused {
		j.log("init", "info", fmt.Sprintf("Terraform is initialized: the providers and modules of an earlier build of template version %d are reused (no terraform init).", j.version.Number))
	}
	// One `terraform apply` plans and applies: a separate plan would start
	// Terraform and every provider once more for the same result (nothing
	// reads the plan file between the two). Its output is logged under the
	// plan stage up to the plan's summary, then under apply (stagePlanApply).
	applyArgs := []string{"apply", "-input=false", "-no-color", "-auto-approve"}
	if destroy {
		applyArgs = append(applyArgs, "-destroy")
	}
	if err := j.terraform(ctx, stagePlanApply, applyArgs, func(tf *tfexec.Terraform) error {
		return tf.Apply(ctx, tfexec.Destroy(destroy))
	}); err != nil {
		return readState(), nil, err
	}
	state = readState()
	if destroy {
		return state, nil, nil
	}
	// The state file Terraform just wrote holds what `terraform show -json`
	// would print of it; reading it saves a run of Terraform.
	show, err := readStateFile(state)
	if err != nil {
		return state, nil, err
	}
	agents, err = parseAgents(show, j.build, time.Now().UTC())
	if err != nil {
		return state, nil, err
	}
	if err := parseApps(show, agents); err != nil {
		return state, nil, err
	}
	if j.resources, err = parseResources(show, j.build, j.redactor.String); err != nil {
		return state, nil, err
	}
	j.log("apply", "info", fmt.Sprintf("Recorded %d agent(s).", len(agents)))
	return state, agents, nil
}

// initialize copies the version's cached init into the job's folder, or
// runs terraform init (one build of a version at a time; see lockInit),
// and reports whether the cache served.
func (j *job) initialize(ctx context.Context, destroy bool) (reused bool, err error) {
	p := j.p
	versionID := j.version.ID.String()
	reused = p.reuseInit(versionID, j.dir)
	if !reused {
		unlock, waited, err := p.lockInit(ctx, versionID, func() {
			j.log("init", "info", fmt.Sprintf("Waiting for another build of template version %d to finish terraform init, to reuse it.", j.version.Number))
		})
		if err != nil {
			return false, err
		}
		defer unlock()
		if waited {
			reused = p.reuseInit(versionID, j.dir)
		}
	}
	// terraform-exec asks for the version before init and before an apply
	// with -destroy; asked first, its answer stays out of the log. A build
	// whose init is reused applies without it: a build of this process
	// asked the same binary already.
	if !reused || destroy {
		if _, _, err := j.tf.Version(ctx, false); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, fmt.Errorf("terraform version: %s", j.redactor.String(err.Error()))
		}
	}
	if reused {
		return true, nil
	}
	if err := j.terraform(ctx, "init", []string{"init", "-input=false", "-no-color"}, func(tf *tfexec.Terraform) error {
		return tf.Init(ctx)
	}); err != nil {
		return false, err
	}
	if !p.keepInit(versionID, j.dir) {
		p.inits.uncached.Store(versionID, true)
	}
	return false, nil
}

// load reads the build's workspace, owner, template and secrets, and builds
// the environment.
func (j *job) load(ctx context.Context) error {
	p := j.p
	var err error
	if j.ws, err = p.ws.GetWorkspaceByID(ctx, j.build.WorkspaceID); err != nil {
		return fmt.Errorf("load the workspace: %w", err)
	}
	if j.owner, err = p.o.Store.GetUserByID(ctx, j.ws.OwnerID); err != nil {
		return fmt.Errorf("load the owner: %w", err)
	}
	if j.version, err = p.ws.GetTemplateVersion(ctx, j.build.TemplateVersionID); err != nil {
		return fmt.Errorf("load the template version: %w", err)
	}
	if j.tmpl, err = p.ws.GetTemplateByID(ctx, j.version.TemplateID); err != nil {
		return fmt.Errorf("load the template: %w", err)
	}
	// Every value of the owner is redacted from the logs, whatever the
	// transition; only start builds get them in their environment.
	// A secret whose value does not open fails alone: the build goes on
	// without it (a stop or delete needs no secret).
	rows, err := p.o.Store.ListSecretsWithValues(ctx, j.owner.ID)
	if err != nil {
		return fmt.Errorf("read the owner's secrets: %w", err)
	}
	plain := make([]store.Secret, 0, len(rows))
	values := make([]sdk.SecretValue, 0, len(rows))
	for _, s := range rows {
		if s.ValueErr != nil {
			j.log("init", "warn", cryptstore.ValueProblem(s))
			continue
		}
		values = append(values, s.Value)
		// A secret scoped to other templates does not exist for this
		// build: its coder_secret data sources see it as missing.
		if t, ok := placement.Delivered(p.o.Policy, s.Enabled, s.EnvName, s.FilePath, s.Templates, j.tmpl.Name); ok {
			s.EnvName, s.FilePath = t.EnvName, t.FilePath
			plain = append(plain, s)
		}
	}
	inputs, sensitive, err := j.buildInputs(ctx)
	if err != nil {
		return err
	}
	j.redactor = redact.New(append(values, sensitive...))
	if j.build.Transition != sdk.TransitionStart {
		plain = nil
	}
	j.env = buildEnv(envInput{
		base:         p.o.BaseEnv,
		mirror:       p.mirror,
		extra:        p.o.ExtraEnv,
		accessURL:    p.o.AccessURL.String(),
		build:        j.build,
		workspace:    j.ws,
		owner:        j.owner,
		template:     j.tmpl,
		version:      j.version,
		agentScripts: p.agentScripts,
		secrets:      plain,
	})
	j.env = append(j.env, inputs...)
	return nil
}

func (j *job) priorState(ctx context.Context) ([]byte, error) {
	pt, _, err := j.p.ws.GetWorkspaceState(ctx, j.ws.ID)
	var unreadable *cryptstore.UnreadableError
	if errors.As(err, &unreadable) {
		return nil, fmt.Errorf("open the prior state: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("load the prior state: %w", err)
	}
	return pt, nil
}

// newTerraform returns terraform-exec's handle on the job's folder. It
// starts the coder binary in Terraform's place (see LaunchEnv), which runs
// Terraform under the build supervisor when there is one, with exactly the
// job's environment.
func (j *job) newTerraform() (*tfexec.Terraform, error) {
	p := j.p
	tf, err := tfexec.NewTerraform(j.dir, p.o.Executable)
	if err != nil {
		return nil, err
	}
	spec := launchSpec{Terraform: p.o.Terraform}
	if p.o.Supervise && supervisorAvailable {
		spec.Supervisor, spec.Parent = p.o.Executable, os.Getpid()
	}
	env := make(map[string]string, len(j.env)+1)
	for _, kv := range j.env {
		name, value, _ := strings.Cut(kv, "=")
		if managedByTFExec(name) {
			spec.Env = append(spec.Env, kv)
			continue
		}
		env[name] = value
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	env[LaunchEnv] = string(b)
	if err := tf.SetEnv(env); err != nil {
		return nil, err
	}
	// The supervisor kills Terraform's group gracePeriod after a cancel's
	// SIGINT; this is only a backstop should it hang.
	if err := tf.SetWaitDelay(gracePeriod + 10*time.Second); err != nil {
		return nil, err
	}
	return tf, nil
}

// terraform runs one command (display is how the log shows it), streaming
// its redacted output, stdout and stderr, line by line to the log under
// stage.
func (j *job) terraform(ctx context.Context, stage string, display []string, run func(*tfexec.Terraform) error) error {
	first := stage
	if stage == stagePlanApply {
		first = "plan"
	}
	j.log(first, "info", "$ terraform "+strings.Join(display, " "))
	lw := j.newLogWriter(stage)
	j.tf.SetStdout(lw)
	j.tf.SetStderr(lw.Stderr())
	err := run(j.tf)
	j.tf.SetStdout(nil)
	j.tf.SetStderr(nil)
	tail := lw.close()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("terraform %s failed: %s", display[0], summarize(tail))
	}
	return nil
}

// summarize picks the error lines of terraform's output for the build's
// error message.
func summarize(tail []string) string {
	for i, l := range tail {
		if strings.HasPrefix(strings.TrimSpace(l), "Error:") {
			return strings.TrimSpace(strings.Join(tail[i:], "\n"))
		}
	}
	if len(tail) > 5 {
		tail = tail[len(tail)-5:]
	}
	return strings.TrimSpace(strings.Join(tail, "\n"))
}

// log appends a line; lines are stored in batches.
func (j *job) log(stage, level, output string) {
	j.logAt(time.Now().UTC(), stage, level, output)
}

// logAt appends a line written at a given time.
func (j *job) logAt(at time.Time, stage, level, output string) {
	j.logMu.Lock()
	j.logs = append(j.logs, store.BuildLog{BuildID: j.build.ID, CreatedAt: at, Stage: stage, Level: level, Output: output})
	flush := len(j.logs) >= 50
	j.logMu.Unlock()
	if flush {
		j.flushLogs(context.Background())
	}
}

func (j *job) flushLogs(ctx context.Context) {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.logMu.Lock()
	batch := j.logs
	j.logs = nil
	j.logMu.Unlock()
	if len(batch) == 0 {
		return
	}
	if err := j.p.ws.InsertBuildLogs(ctx, batch); err != nil {
		j.p.o.Logger.Error("store build logs", "build_id", j.build.ID, "error", err)
		return
	}
	j.p.NotifyBuild(j.build.ID)
}

// startLogFlusher flushes logs every half second while a stage runs, so
// followers see progress.
func (j *job) startLogFlusher(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// An insert under way when the flusher stops ends anyway: its
				// batch has left j.logs, so a canceled insert lost its lines.
				j.flushLogs(context.WithoutCancel(ctx))
			}
		}
	}()
	return func() { cancel(); <-done }
}
