package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestSSHWaitsForTheStartBuild: `coder ssh` to a workspace whose start
// build is still running follows the build to its end and then waits for
// the agent, without polling: while the build is held (the template waits
// for a file), the ssh makes at most one request to the workspace and the
// agent routes a second; once the file is there, the session runs.
func TestSSHWaitsForTheStartBuild(t *testing.T) {
	requireTerraform(t)
	srv := clitest.StartServer(t, "sqlite", "--prometheus-address", "127.0.0.1:0")
	m := regexp.MustCompile(`Prometheus metrics at (http://\S+)`).FindStringSubmatch(srv.Output.String())
	if m == nil {
		t.Fatalf("the start message does not name the metrics listener:\n%s", srv.Output.String())
	}
	u := clitest.NewUser(t)
	login(t, srv, u)
	e := &workspaceEnv{srv: srv, u: u, c: u.Client(t)}

	// The local template, and a resource that holds the build until gate
	// exists.
	dir, gate := t.TempDir(), filepath.Join(t.TempDir(), "gate")
	if err := os.CopyFS(dir, os.DirFS(localTemplate(t))); err != nil {
		t.Fatal(err)
	}
	gateTF := fmt.Sprintf(`resource "terraform_data" "gate" {
  count = data.coder_workspace.me.start_count
  provisioner "local-exec" {
    command = "for i in $(seq 1200); do [ -f '%s' ] && exit 0; sleep 0.1; done; exit 1"
  }
}
`, gate)
	if err := os.WriteFile(filepath.Join(dir, "gate.tf"), []byte(gateTF), 0o644); err != nil {
		t.Fatal(err)
	}
	e.sh(t, `coder templates push gated -d "$D"`, "D="+dir)

	start := func(script string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
		cmd := exec.Command("bash", "-c", script)
		cmd.Env, cmd.Dir = u.Env, u.Home
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		return cmd, &stdout, &stderr
	}
	create, _, createErr := start(`exec coder create dev --template gated -y --wait-agent 0`)
	ctx := context.Background()
	waitFor(t, time.Minute, func() bool {
		w, err := e.c.Workspace(ctx, sdk.Me, "dev")
		return err == nil && w.LatestBuild.Status == sdk.BuildRunning
	}, "the start build to run")

	ssh, sshOut, sshErr := start(`exec coder ssh dev -- echo session-ran`)
	waitFor(t, 30*time.Second, func() bool {
		return strings.Contains(sshErr.String(), "Waiting for the workspace's agent")
	}, "coder ssh to say that it waits")
	requests := func() int {
		_, body := httpGet(t, m[1])
		n := 0
		for _, route := range []string{"GET /api/v2/users/{user}/workspaces/{workspace}", "GET /api/v2/users/{user}/workspaces/{workspace}/agent"} {
			re := regexp.MustCompile(`coder_http_requests_total\{code="\d+",method="GET",route="` + regexp.QuoteMeta(route) + `"\} (\d+)`)
			for _, c := range re.FindAllStringSubmatch(body, -1) {
				v, _ := strconv.Atoi(c[1])
				n += v
			}
		}
		return n
	}
	before := requests()
	time.Sleep(1500 * time.Millisecond)
	if w, err := e.c.Workspace(ctx, sdk.Me, "dev"); err != nil || w.LatestBuild.Status != sdk.BuildRunning {
		t.Fatalf("the gated build is not running any more (%v): the test proves nothing", err)
	}
	// The look just above is one request of the test's own.
	if n := requests() - before - 1; n > 1 {
		t.Fatalf("coder ssh made %d workspace or agent requests in 1.5 s while the build ran; want at most 1 (no polling)", n)
	}
	if sshOut.Len() != 0 {
		t.Fatalf("the session ran before the build ended: %q", sshOut.String())
	}

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ssh.Wait(); err != nil {
		t.Fatalf("coder ssh: %v\nstderr: %s\nserver log:\n%s", err, sshErr.String(), tail(srv.Output.String(), 40))
	}
	if got := sshOut.String(); got != "session-ran\n" {
		t.Fatalf("coder ssh printed %q, want session-ran", got)
	}
	if err := create.Wait(); err != nil {
		t.Fatalf("coder create: %v\n%s", err, createErr.String())
	}
}
