package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestWorkspaceResourcesAndAppHealth builds a workspace with real
// terraform from a template with coder_app and coder_metadata, and checks
// what the resources route returns, the manifest's apps and the agent's
// health reports.
func TestWorkspaceResourcesAndAppHealth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "apps", "testdata/apps")
		c := s.NewMember(t, "ann")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: sdk.SecretValue(value), EnvName: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "apps"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)

		d, err := c.WorkspaceDetail(ctx, sdk.Me, "dev")
		if err != nil {
			t.Fatalf("resources: %v", err)
		}
		wantRes := []sdk.WorkspaceResource{{Address: "terraform_data.vm[0]", Type: "terraform_data", Name: "vm", Icon: "/icon/vm.svg",
			Metadata: []sdk.ResourceMetadata{{Key: "region", Value: "eu-west"}, {Key: "key", Sensitive: true}, {Key: "echo", Value: "key=********"}}}}
		if diff := cmp.Diff(wantRes, d.Resources, cmpIgnoreID()); diff != "" {
			t.Errorf("resources (-want +got):\n%s", diff)
		}
		if len(d.Agents) != 1 || len(d.Agents[0].Apps) != 3 {
			t.Fatalf("agents: %+v", d.Agents)
		}
		run, web, token := d.Agents[0].Apps[0], d.Agents[0].Apps[1], d.Agents[0].Apps[2]
		if token.Slug != "token" || token.Command != "echo ********" {
			t.Errorf("an app command that embeds a secret value: got %q, want it masked", token.Command)
		}
		if run.Slug != "run" || run.Command != "echo run" || run.Health != sdk.AppHealthDisabled {
			t.Errorf("app run: %+v", run)
		}
		if web.Slug != "web" || web.Share != "authenticated" || web.Health != sdk.AppInitializing ||
			web.Healthcheck == nil || *web.Healthcheck != (sdk.AppHealthcheck{URL: "http://localhost:8080/healthz", Interval: 5, Threshold: 3}) {
			t.Errorf("app web: %+v", web)
		}
		if len(d.Secrets) != 1 || d.Secrets[0] != (sdk.WorkspaceSecretTarget{Name: "api-key", EnvName: "API_KEY", Source: "user"}) {
			t.Errorf("secrets: %+v", d.Secrets)
		}
		if d.Parameters == nil || len(d.Parameters) != 0 {
			t.Errorf("parameters: got %v, want an empty list", d.Parameters)
		}

		// Another user sees nothing of it.
		other := s.NewMember(t, "bob")
		if _, err := other.WorkspaceDetail(ctx, "ann", "dev"); sdk.StatusCode(err) != http.StatusNotFound && sdk.StatusCode(err) != http.StatusForbidden {
			t.Errorf("another user's resources: got %v, want 403 or 404", err)
		}

		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Apps) != 3 || m.Apps[0].Command != "echo run" || m.Apps[1].Healthcheck == nil || m.Apps[2].Command != "echo "+value {
			t.Fatalf("manifest apps: %d, want run, web and token with its command whole", len(m.Apps))
		}
		for _, tc := range []struct {
			name string
			req  sdk.AppHealthRequest
			code int
		}{
			{"unknown slug", sdk.AppHealthRequest{Healths: map[string]string{"nope": sdk.AppHealthy}}, http.StatusBadRequest},
			{"no healthcheck", sdk.AppHealthRequest{Healths: map[string]string{"run": sdk.AppHealthy}}, http.StatusBadRequest},
			{"bad health", sdk.AppHealthRequest{Healths: map[string]string{"web": "great"}}, http.StatusBadRequest},
			{"disabled is not reported", sdk.AppHealthRequest{Healths: map[string]string{"web": sdk.AppHealthDisabled}}, http.StatusBadRequest},
			{"earlier agent", sdk.AppHealthRequest{Healths: map[string]string{"web": sdk.AppHealthy}, AgentID: uuid.New()}, http.StatusConflict},
		} {
			if err := agentClient.PostAppHealth(ctx, tc.req); sdk.StatusCode(err) != tc.code {
				t.Errorf("%s: got %v, want %d", tc.name, err, tc.code)
			}
		}
		if d, _ := c.WorkspaceDetail(ctx, sdk.Me, "dev"); d.Agents[0].Apps[1].Health != sdk.AppInitializing {
			t.Errorf("a refused report changed the health: %q", d.Agents[0].Apps[1].Health)
		}
		for _, h := range []string{sdk.AppHealthy, sdk.AppUnhealthy} {
			if err := agentClient.PostAppHealth(ctx, sdk.AppHealthRequest{Healths: map[string]string{"web": h}, AgentID: m.AgentID}); err != nil {
				t.Fatalf("report %s: %v", h, err)
			}
			d, err := c.WorkspaceDetail(ctx, sdk.Me, "dev")
			if err != nil || d.Agents[0].Apps[1].Health != h {
				t.Fatalf("health after reporting %s: %+v, %v", h, d.Agents, err)
			}
		}
		if _, err := c.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Errorf("a user token on the agent API: %v", err)
		}
		if err := c.PostAppHealth(ctx, sdk.AppHealthRequest{Healths: map[string]string{"web": sdk.AppHealthy}}); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Errorf("app health with a user token: got %v, want 401", err)
		}

		// The secret value is nowhere in what the server stored for the
		// resources.
		rows, err := s.Store.ListResourcesByBuild(ctx, ws.LatestBuild.ID)
		if err != nil || len(rows) != 1 || strings.Contains(string(rows[0].Metadata), value) {
			t.Errorf("stored resources: %d rows, %v, or the value in plaintext", len(rows), err)
		}
	})
}

func cmpIgnoreID() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())
}
