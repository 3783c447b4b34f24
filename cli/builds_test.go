package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestServerStoppedMidBuild kills the server while a build runs: at the
// next start the build is failed with a message that says what happened,
// nothing of it is recorded as done, and the workspace starts again.
func TestServerStoppedMidBuild(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push slow -d "$D"`, "D="+absPath(t, "testdata/slowbuild"))
	c := e.c
	ctx := context.Background()
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "slow", Template: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.srv.DataDir, "workspaces", "slow-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the build to reach its slow step")
	e.srv.Kill(t)
	e.srv.Restart(t)
	b, err := c.Build(ctx, ws.LatestBuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != sdk.BuildFailed || !strings.Contains(b.Error, "server stopped") {
		t.Fatalf("build after the crash: status %s, error %q; want failed saying the server stopped", b.Status, b.Error)
	}
	// The killed job's build folder (its plan file included) was removed
	// at the restart, and the workspace starts again.
	if left := buildFolders(t, e.srv.DataDir); len(left) != 0 {
		t.Fatalf("build folders after the restart: %v, want none", left)
	}
	e.sh(t, `coder start slow`)
	w, err := c.Workspace(ctx, sdk.Me, "slow")
	if err != nil || w.LatestBuild.Status != sdk.BuildSucceeded || w.LatestBuild.BuildNumber != 2 {
		t.Fatalf("after a new start: %+v, %v", w.LatestBuild, err)
	}
}

// TestServerWithoutTerraform starts a server whose PATH has no terraform:
// it says so, names `make terraform`, and refuses builds with the same
// advice while everything else works.
func TestServerWithoutTerraform(t *testing.T) {
	bin := filepath.Dir(clitest.Binary(t))
	dir := t.TempDir()
	cmd := exec.Command(clitest.Binary(t), "server", "--http-address", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
	if _, err := exec.LookPath("/usr/bin/terraform"); err == nil {
		t.Skip("terraform is installed in /usr/bin; cannot hide it")
	}
	out := &clitest.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "Started HTTP listener") }, "the server to listen")
	if !strings.Contains(out.String(), "no terraform found") || !strings.Contains(out.String(), "make terraform") {
		t.Fatalf("server output lacks the missing-terraform warning:\n%s", out.String())
	}
}

// buildFolders lists the per-build folders under the server's data folder
// (builds/proc-<worker>/build-*).
func buildFolders(t *testing.T, dataDir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dataDir, "builds", "*", "build-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// processesUnder lists the pids of processes whose working folder is
// inside dir (Linux /proc).
func processesUnder(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, dir+string(os.PathSeparator)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestServerKilledMidBuildLeavesNoProcess kills the server with SIGKILL
// while a build's provisioner sleeps: Terraform, its provider and the
// provisioner's shell all die with the server (the build supervisor), at
// once, not at the next start.
func TestServerKilledMidBuildLeavesNoProcess(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push slow -d "$D"`, "D="+absPath(t, "testdata/slowbuild"))
	ctx := context.Background()
	if _, err := e.c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "slow", Template: "slow"}); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.srv.DataDir, "workspaces", "slow-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the build to reach its slow step")
	builds := filepath.Join(e.srv.DataDir, "builds")
	if pids := processesUnder(builds); len(pids) < 2 {
		t.Fatalf("processes in the build folder mid-build: %v, want terraform and its children", pids)
	}
	// The build supervisor recorded its process groups in the build's
	// folder, for a later server to kill (a pid and a start time a line).
	recorded, _ := filepath.Glob(filepath.Join(builds, "proc-*", "build-*", ".build-pids"))
	if len(recorded) != 1 {
		t.Errorf("recorded process groups mid-build: got files %v, want one .build-pids", recorded)
	} else if b, err := os.ReadFile(recorded[0]); err != nil || len(strings.Fields(string(b))) < 4 {
		t.Errorf("recorded process groups: got %q (%v), want the supervisor's and Terraform's", b, err)
	}
	e.srv.Kill(t)
	var left []int
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if left = processesUnder(builds); len(left) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(left) != 0 {
		var names []string
		for _, pid := range left {
			b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			names = append(names, strings.ReplaceAll(string(b), "\x00", " "))
		}
		t.Fatalf("10s after the server was killed, build processes still run: %q", names)
	}
}

// TestStopCancelsBuild: `coder stop` during a start build cancels it
// (Terraform is interrupted, the build ends as canceled), then stops the
// workspace; the workspace starts again afterwards.
func TestStopCancelsBuild(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push slow -d "$D"`, "D="+absPath(t, "testdata/slowbuild"))
	ctx := context.Background()
	ws, err := e.c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "slow", Template: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.srv.DataDir, "workspaces", "slow-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the build to reach its slow step")
	out := e.sh(t, `coder stop slow`)
	for _, want := range []string{"Canceling the start build #1", "Build #1 ended: canceled", "Workspace \"slow\" is stopped."} {
		if !strings.Contains(out, want) {
			t.Errorf("coder stop output lacks %q:\n%s", want, out)
		}
	}
	b, err := e.c.Build(ctx, ws.LatestBuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != sdk.BuildCanceled {
		t.Errorf("the start build after coder stop: got status %q (error %q), want canceled", b.Status, b.Error)
	}
	w, err := e.c.Workspace(ctx, sdk.Me, "slow")
	if err != nil || w.LatestBuild.Transition != sdk.TransitionStop || w.LatestBuild.Status != sdk.BuildSucceeded {
		t.Fatalf("after coder stop: %+v, %v; want a succeeded stop", w.LatestBuild, err)
	}
	if pids := processesUnder(filepath.Join(e.srv.DataDir, "builds")); len(pids) != 0 {
		t.Errorf("build processes left after the cancel: %v", pids)
	}
}

// TestSharedDataDirKeepsRunningBuilds: two server processes on one
// PostgreSQL database given the same --data-dir. The second one's start
// leaves the first one's running build (its folder and processes) alone,
// and each process builds in a folder of its own.
func TestSharedDataDirKeepsRunningBuilds(t *testing.T) {
	requireTerraform(t)
	first := clitest.StartServer(t, "postgres")
	u := clitest.NewUser(t)
	login(t, first, u)
	e := &workspaceEnv{srv: first, u: u, c: u.Client(t)}
	e.sh(t, `coder templates push slow -d "$D"`, "D="+absPath(t, "testdata/slowbuild"))
	ctx := context.Background()
	ws, err := e.c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "slow", Template: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(first.DataDir, "workspaces", "slow-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the build to reach its slow step")
	before := buildFolders(t, first.DataDir)
	if len(before) != 1 {
		t.Fatalf("build folders mid-build: %v, want one", before)
	}
	second := clitest.StartSecondServerIn(t, first, first.DataDir)
	if _, err := os.Stat(before[0]); err != nil {
		t.Fatalf("the second server's start removed the first one's running build folder: %v\nsecond server:\n%s", err, second.Output.String())
	}
	if pids := processesUnder(filepath.Dir(before[0])); len(pids) == 0 {
		t.Errorf("the second server's start killed the first one's build processes")
	}
	procs, err := filepath.Glob(filepath.Join(first.DataDir, "builds", "proc-*"))
	if err != nil || len(procs) != 2 {
		t.Errorf("per-process folders: %v (%v), want one for each server", procs, err)
	}
	b, err := e.c.Build(ctx, ws.LatestBuild.ID)
	if err != nil || b.Status != sdk.BuildRunning {
		t.Errorf("the first server's build after the second started: %+v, %v; want running", b, err)
	}
	e.sh(t, `coder stop slow`)
}

// TestServerKilledMidStop kills the server during a stop build: after the
// restart the workspace is reported as a failed stop (never as running),
// and a new stop succeeds.
func TestServerKilledMidStop(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push slowstop -d "$D"`, "D="+absPath(t, "testdata/slowstop"))
	e.sh(t, `coder create ws --template slowstop`)
	ctx := context.Background()
	b, err := e.c.CreateBuild(ctx, sdk.Me, "ws", sdk.TransitionStop)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.srv.DataDir, "workspaces", "slow-stop-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the stop build to reach its slow step")
	e.srv.Kill(t)
	e.srv.Restart(t)
	w, err := e.c.Workspace(ctx, sdk.Me, "ws")
	if err != nil {
		t.Fatal(err)
	}
	if w.LatestBuild.ID != b.ID || w.LatestBuild.Transition != sdk.TransitionStop || w.LatestBuild.Status != sdk.BuildFailed {
		t.Fatalf("after a crash mid-stop the latest build is #%d %s %s, want the stop build, failed", w.LatestBuild.BuildNumber, w.LatestBuild.Transition, w.LatestBuild.Status)
	}
	if out := e.sh(t, `coder list`); !strings.Contains(out, "failed (stop)") || strings.Contains(out, "running") {
		t.Errorf("coder list after a crash mid-stop:\n%s", out)
	}
	if r := e.u.Sh(t, "", `coder ssh ws -- true`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "not running") {
		t.Errorf("coder ssh after a crash mid-stop: exit %d %q", r.ExitCode, r.Stderr)
	}
	e.sh(t, `coder stop ws`)
	if w, err := e.c.Workspace(ctx, sdk.Me, "ws"); err != nil || w.LatestBuild.Status != sdk.BuildSucceeded || w.LatestBuild.Transition != sdk.TransitionStop {
		t.Errorf("a new stop after the crash: %+v, %v", w.LatestBuild, err)
	}
}
