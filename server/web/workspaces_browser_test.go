package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/servertest"
)

// TestDashboardWorkspacesInBrowser drives the Templates and Workspaces
// pages against a server that runs real terraform: the template's
// parameters and required secret are listed; Stop, Start and Restart run
// real builds whose stages the page shows from the followed build log;
// each build is checked through the API. axe-core checks both pages; the
// secret the builds receive reaches no response the browser got.
func TestDashboardWorkspacesInBrowser(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true})
	ctx := context.Background()
	archive, err := templatearchive.Pack("testdata/template")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin.PushTemplate(ctx, "webtest", archive); err != nil {
		t.Fatalf("push the template: %v", err)
	}
	// Stop builds wait for this file (testdata/template): open for now.
	gate := filepath.Join(s.DataDir, "workspaces", "webtest-gate")
	if err := os.MkdirAll(filepath.Dir(gate), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	value := canary(t)
	if _, err := s.Admin.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "deploy", Value: sdk.SecretValue(value), EnvName: "DEPLOY_TOKEN"}); err != nil {
		t.Fatal(err)
	}
	ws, err := s.Admin.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "webtest"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.Admin.FollowBuildLogs(ctx, ws.LatestBuild.ID, func(sdk.BuildLog) {}); err != nil || b.Status != sdk.BuildSucceeded {
		t.Fatalf("the first build: %+v, %v", b, err)
	}

	b := newBrowser(t, s.URL.String())
	b.open("/login")
	b.wait("the login form", `!document.getElementById("login-form").hidden`)
	b.fill("#login-username", "admin")
	b.fill("#login-password", "admin-password")
	b.click("#login-form button[type=submit]")
	b.wait("the secrets page", `location.pathname === "/secrets" && document.body.dataset.loaded === "secrets"`)

	// Templates: the parameter and the required secret.
	b.click(`nav a[href="/templates"]`)
	b.wait("the templates page", `document.body.dataset.loaded === "templates"`)
	card := b.text(`section[data-template="webtest"]`)
	for _, want := range []string{"webtest", "Version 1", "DEPLOY_TOKEN", "Create a deploy token secret.", "region", "Region", "eu-west", "Where the workspace runs."} {
		if !strings.Contains(card, want) {
			t.Fatalf("the template's card lacks %q:\n%s", want, card)
		}
	}
	b.checkPage("templates")

	// Workspaces: running, from the template.
	b.click(`nav a[href="/workspaces"]`)
	b.wait("the workspaces page", `document.body.dataset.loaded === "workspaces"`)
	status := func() string { return b.text(`tr[data-workspace="dev"] td[data-col="status"]`) }
	if got := status(); got != "Running" {
		t.Fatalf("dev's status: %q, want Running", got)
	}
	if row := b.text(`tr[data-workspace="dev"]`); !strings.Contains(row, "webtest") || !strings.Contains(row, "#1 start, succeeded") {
		t.Fatalf("dev's row: %q", row)
	}
	b.checkPage("workspaces")

	// Stop, Start and Restart, each followed to its end on the page.
	steps := []struct {
		action, want string
		builds       int
	}{
		{"stop", "Stopped", 1},
		{"start", "Running", 1},
		{"restart", "Running", 2},
	}
	number := 1
	for _, st := range steps {
		eval[bool](b, `(() => { document.body.dataset.build = ""; return true; })()`)
		b.click(fmt.Sprintf(`button[data-action=%q][data-name="dev"]`, st.action))
		b.wait(st.action+" to end", `document.body.dataset.build === "succeeded" || document.body.dataset.build === "failed"`)
		if got := eval[string](b, `document.body.dataset.build`); got != "succeeded" {
			t.Fatalf("%s: the page says %s: %s", st.action, got, b.text("#build-summary"))
		}
		b.wait("the list reloaded", fmt.Sprintf(`document.querySelector('tr[data-workspace="dev"] td[data-col="status"]').textContent === %q`, st.want))
		stages := b.text("#build-stages")
		for _, stage := range []string{"init", "plan", "apply", "done"} {
			if !strings.Contains(stages, stage) {
				t.Fatalf("%s: the page's build stages lack %q: %q", st.action, stage, stages)
			}
		}
		if !strings.Contains(b.text("#build-log"), "[apply]") {
			t.Fatalf("%s: the page's build log has no apply line", st.action)
		}
		if st.action == "restart" && (!strings.Contains(stages, "stop: done") || !strings.Contains(stages, "start: done")) {
			t.Fatalf("restart: want a stop then a start, got %q", stages)
		}
		number += st.builds
		w, err := s.Admin.Workspace(ctx, sdk.Me, "dev")
		if err != nil {
			t.Fatal(err)
		}
		wantTransition := st.action
		if st.action == "restart" {
			wantTransition = "start"
		}
		if w.LatestBuild.BuildNumber != number || w.LatestBuild.Transition != wantTransition || w.LatestBuild.Status != sdk.BuildSucceeded {
			t.Fatalf("after %s: latest build #%d %s %s, want #%d %s succeeded", st.action, w.LatestBuild.BuildNumber, w.LatestBuild.Transition, w.LatestBuild.Status, number, wantTransition)
		}
		b.screenshot("workspaces-after-" + st.action)
	}
	b.checkPage("workspaces-built")

	// Restart needed: the workspace's agent (acted here through its API:
	// this template's agent never runs) applies its manifest; a changed
	// secret then marks the workspace on the page, with the secret named,
	// and a restart clears the mark.
	ackManifest := func() {
		t.Helper()
		ag := sdk.New(s.URL)
		ag.SessionToken = s.AgentToken(t, ws.ID)
		m, err := ag.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("the agent's manifest: %v", err)
		}
		if err := ag.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{AgentID: m.AgentID, Revision: m.Revision, Home: "/home/dev"}); err != nil {
			t.Fatalf("report the applied manifest: %v", err)
		}
	}
	ackManifest()
	newValue := canary(t)
	if _, err := s.Admin.UpdateSecret(ctx, sdk.Me, "deploy", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue(newValue))}); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Admin.Workspace(ctx, sdk.Me, "dev"); err != nil || !w.RestartNeeded || strings.Join(w.RestartNeededSecrets, ",") != "deploy" {
		t.Fatalf("after the update, through the API: restart_needed %v %v (%v), want true [deploy]", w.RestartNeeded, w.RestartNeededSecrets, err)
	}
	b.open("/workspaces")
	b.wait("the restart-needed mark", `document.querySelector('tr[data-workspace="dev"] [data-badge="restart-needed"]') !== null`)
	if row := b.text(`tr[data-workspace="dev"]`); !strings.Contains(row, "restart needed") || !strings.Contains(row, "deploy") {
		t.Fatalf("dev's row after the update: %q, want the mark naming deploy", row)
	}
	b.screenshot("workspaces-restart-needed")
	eval[bool](b, `(() => { document.body.dataset.build = ""; return true; })()`)
	b.click(`button[data-action="restart"][data-name="dev"]`)
	b.wait("the restart to end", `document.body.dataset.build === "succeeded" || document.body.dataset.build === "failed"`)
	number += 2
	ackManifest()
	if w, err := s.Admin.Workspace(ctx, sdk.Me, "dev"); err != nil || w.RestartNeeded || w.LatestBuild.BuildNumber != number {
		t.Fatalf("after the restart, through the API: restart_needed %v, build #%d (%v), want false, #%d", w.RestartNeeded, w.LatestBuild.BuildNumber, err, number)
	}
	b.open("/workspaces")
	b.wait("the workspaces page", `document.body.dataset.loaded === "workspaces"`)
	if eval[bool](b, `document.querySelector('tr[data-workspace="dev"] [data-badge="restart-needed"]') !== null`) {
		t.Fatal("the restart-needed mark is still shown after the restart")
	}

	// A build started elsewhere (here through the API, as the CLI does)
	// and going when the page loads: the page follows it too. The closed
	// gate holds the build in its apply stage until the page shows it.
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin.CreateBuild(ctx, sdk.Me, "dev", "stop"); err != nil {
		t.Fatal(err)
	}
	b.open("/workspaces")
	b.wait("the page to show the stop's apply stage", `document.body.dataset.build === "running" && document.getElementById("build-stages").textContent.includes("stop: apply")`)
	if got := status(); got != "Stopping" {
		t.Fatalf("dev's status while the stop runs: %q, want Stopping", got)
	}
	b.screenshot("workspaces-following")
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.wait("the page to follow the stop to its end", `document.body.dataset.build === "succeeded"`)
	if !strings.Contains(b.text("#build-log"), "the gate is open") {
		t.Fatal("the followed log lacks the build's last lines")
	}
	b.wait("the list reloaded", `document.querySelector('tr[data-workspace="dev"] td[data-col="status"]').textContent === "Stopped"`)
	b.screenshot("workspaces-followed")

	if p := b.consoleProblems(); len(p) > 0 {
		t.Fatalf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
	b.close()
	b.assertNowhere(value, newValue)
}

func ptr[T any](v T) *T { return &v }
