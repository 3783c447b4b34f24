package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// fakeFailure is the error line the terraform wrapper writes for an init
// it fails on purpose.
const fakeFailure = "Error: init failed on purpose (test wrapper)"

// terraformWrapper is a wrapper in terraform's place (through
// $TF_ACC_TERRAFORM_PATH, so not parallel) that notes each real terraform
// process's subcommand, and fails init while the test says so.
type terraformWrapper struct {
	t     *testing.T
	notes string
	fail  string
}

func wrapTerraform(t *testing.T) *terraformWrapper {
	t.Helper()
	real := servertest.TerraformPath(t)
	dir := t.TempDir()
	w := &terraformWrapper{t: t, notes: filepath.Join(dir, "commands"), fail: filepath.Join(dir, "fail-init")}
	script := fmt.Sprintf(`#!/bin/sh
printf '%%s\n' "$1" >> '%s'
if [ "$1" = init ] && [ -e '%s' ]; then
	echo '%s' >&2
	exit 1
fi
exec '%s' "$@"
`, w.notes, w.fail, fakeFailure, real)
	wrapper := filepath.Join(dir, "terraform")
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", wrapper)
	return w
}

// commands returns the subcommands of the terraform processes so far.
func (w *terraformWrapper) commands() []string {
	b, err := os.ReadFile(w.notes)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// failInit makes every init fail (on) or run (off).
func (w *terraformWrapper) failInit(on bool) {
	if !on {
		if err := os.Remove(w.fail); err != nil {
			w.t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(w.fail, nil, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// TestTerraformProcessesPerBuild: the real terraform processes of each
// build. The first build of a version asks the version (terraform-exec
// needs it for init), inits and applies; a later build reusing the init
// only applies, except a delete (terraform-exec needs the version for
// -destroy).
func TestTerraformProcessesPerBuild(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		tw := wrapTerraform(t)
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "tess")
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		seen := len(tw.commands())
		mustSucceed(t, c, ws.LatestBuild)
		want := []string{"version init apply", "apply", "apply", "version apply"}
		for i, tr := range []string{"", sdk.TransitionStop, sdk.TransitionStart, sdk.TransitionDelete} {
			if i > 0 {
				bld, err := c.CreateBuild(ctx, sdk.Me, "dev", tr)
				if err != nil {
					t.Fatal(err)
				}
				mustSucceed(t, c, bld)
			}
			all := tw.commands()
			if got := strings.Join(all[seen:], " "); got != want[i] {
				t.Errorf("build %d (%s): terraform ran %q, want %q", i+1, tr, got, want[i])
			}
			seen = len(all)
		}
	})
}

// TestConcurrentBuildsInitOnce: builds of one version started together,
// with nothing cached, run terraform init once: the others wait for it and
// reuse its result.
func TestConcurrentBuildsInitOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		tw := wrapTerraform(t)
		s := servertest.New(t, b, servertest.Options{Terraform: true, ProvisionerWorkers: 4})
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "tess")
		seen := len(tw.commands())
		logs := createAtOnce(t, c, "plain", 4, sdk.BuildSucceeded)
		inits, reused := 0, 0
		for _, l := range logs {
			if strings.Contains(l, "$ terraform init") {
				inits++
			}
			if strings.Contains(l, "are reused (no terraform init)") {
				reused++
			}
		}
		if inits != 1 || reused != 3 {
			t.Errorf("4 builds at once: %d logged terraform init, %d reused it; want 1 and 3\n%s", inits, reused, strings.Join(logs, "\n----\n"))
		}
		n := 0
		for _, cmd := range tw.commands()[seen:] {
			if cmd == "init" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("4 builds at once ran terraform init %d times, want 1", n)
		}
	})
}

// TestConcurrentFailedInitNotReused: when the init the others wait for
// fails, nothing of it is reused: each build runs its own init, and fails
// there; the next build after that inits again and succeeds.
func TestConcurrentFailedInitNotReused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		tw := wrapTerraform(t)
		s := servertest.New(t, b, servertest.Options{Terraform: true, ProvisionerWorkers: 3})
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "tess")
		tw.failInit(true)
		logs := createAtOnce(t, c, "plain", 3, sdk.BuildFailed)
		for i, l := range logs {
			if !strings.Contains(l, "$ terraform init") || !strings.Contains(l, fakeFailure) || strings.Contains(l, "are reused") {
				t.Errorf("build %d: want its own failed init, no reuse:\n%s", i+1, l)
			}
			if strings.Contains(l, "$ terraform apply") {
				t.Errorf("build %d: applied after a failed init:\n%s", i+1, l)
			}
		}
		tw.failInit(false)
		ws, err := c.CreateWorkspace(context.Background(), sdk.Me, sdk.CreateWorkspaceRequest{Name: "after", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		if l := mustSucceed(t, c, ws.LatestBuild); !strings.Contains(l, "$ terraform init") || strings.Contains(l, "are reused") {
			t.Errorf("the build after the failed ones: want its own init:\n%s", l)
		}
	})
}

// createAtOnce creates n workspaces of the template at once and returns
// each first build's log, after checking its status.
func createAtOnce(t *testing.T, c *sdk.Client, template string, n int, status string) []string {
	t.Helper()
	ctx := context.Background()
	builds := make([]sdk.WorkspaceBuild, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: fmt.Sprintf("w%d", i), Template: template})
			builds[i], errs[i] = ws.LatestBuild, err
		}()
	}
	wg.Wait()
	logs := make([]string, n)
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		done, log := finish(t, c, builds[i])
		if done.Status != status {
			t.Fatalf("build of w%d: status %s (%s), want %s\n%s", i, done.Status, done.Error, status, log)
		}
		logs[i] = log
	}
	return logs
}
