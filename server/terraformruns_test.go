package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestBuildRunsTerraformTwice: the first build of a template version runs
// `terraform init` and one `terraform apply` that plans and applies (no
// separate plan, no show: the applied state is read from the state file);
// later builds of the version in the same server process reuse that init
// and run Terraform once. The log still has the init, plan and apply
// stages, the plan's summary under plan and the changes under apply. The
// agent and its env are recorded from the state file (the manifest carries
// them). Start, stop and start again.
func TestBuildRunsTerraformTwice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "buildcheck", "testdata/buildcheck")
		c := s.NewMember(t, "tess")
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: sdk.SecretValue(canary(t)), EnvName: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
		if err != nil {
			t.Fatal(err)
		}
		builds := []sdk.WorkspaceBuild{ws.LatestBuild}
		for i, tr := range []string{"", sdk.TransitionStop, sdk.TransitionStart} {
			if i > 0 {
				bld, err := c.CreateBuild(ctx, sdk.Me, "dev", tr)
				if err != nil {
					t.Fatal(err)
				}
				builds = append(builds, bld)
			}
			bld := builds[i]
			mustSucceed(t, c, bld)
			var commands []string
			stageOf := map[string]string{}
			reused := false
			var all strings.Builder
			if err := c.BuildLogs(ctx, bld.ID, func(l sdk.BuildLog) {
				all.WriteString(l.Stage + ": " + l.Output + "\n")
				out := strings.TrimSpace(l.Output)
				if strings.HasPrefix(out, "$ terraform ") {
					commands = append(commands, l.Stage+": "+strings.Fields(out)[2])
				}
				switch {
				case l.Stage == "init" && strings.Contains(out, "are reused (no terraform init)"):
					reused = true
				case strings.HasPrefix(out, "Plan: "):
					stageOf["summary"] = l.Stage
				case strings.Contains(out, ": Creating...") || strings.Contains(out, ": Destroying..."):
					stageOf["change"] = l.Stage
				case strings.HasPrefix(out, "Apply complete!"):
					stageOf["complete"] = l.Stage
				}
			}); err != nil {
				t.Fatal(err)
			}
			want := "init: init,plan: apply"
			if i > 0 {
				want = "plan: apply"
			}
			if reused != (i > 0) {
				t.Errorf("build #%d %s: init reused %v, want %v", bld.BuildNumber, bld.Transition, reused, i > 0)
			}
			if got := strings.Join(commands, ","); got != want {
				t.Errorf("build #%d %s ran terraform %q (stage: command), want %q\n%s", bld.BuildNumber, bld.Transition, got, want, all.String())
			}
			if stageOf["summary"] != "plan" || stageOf["change"] != "apply" || stageOf["complete"] != "apply" {
				t.Errorf("build #%d %s: stages of the plan summary, a change and the end: %v, want plan, apply, apply\n%s", bld.BuildNumber, bld.Transition, stageOf, all.String())
			}
		}
		// The agent recorded from the state file of the last start.
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("manifest after the second start: %v", err)
		}
		if m.BuildID != builds[2].ID || len(m.Env) == 0 || len(m.Scripts) == 0 {
			t.Fatalf("manifest: build %s (want %s), %d env, %d scripts", m.BuildID, builds[2].ID, len(m.Env), len(m.Scripts))
		}
	})
}
