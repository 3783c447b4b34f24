package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
	if entries, err := os.ReadDir(filepath.Join(e.srv.DataDir, "builds")); err != nil || len(entries) != 0 {
		t.Fatalf("build folders after the restart: %d (%v), want none", len(entries), err)
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
