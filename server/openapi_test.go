package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/docs"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/web"
)

// documentedOps are the operations of docs/openapi.json, "METHOD /path".
func documentedOps(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for p, ops := range doc.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIRoutes compares the routes the server registers (routes.go)
// with docs/openapi.json, both ways, and checks that docs/api.md names
// every documented route.
func TestOpenAPIRoutes(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	dashboard := map[string]bool{"GET /{$}": true, "GET /assets/{file}": true}
	for _, p := range web.Pages {
		dashboard["GET /"+p] = true
	}
	documented := map[string]bool{}
	for _, op := range documentedOps(t) {
		documented[op] = true
	}
	registered := map[string]bool{}
	for _, p := range s.Server.Routes() {
		if !strings.Contains(p, " ") {
			continue // "/api/": the 404 for unknown API routes, not a route
		}
		if dashboard[p] {
			continue // HTML pages and their assets (docs/dashboard.md), not the REST API
		}
		registered[p] = true
		if !documented[p] {
			t.Errorf("route %q of server/routes.go is not in docs/openapi.json (add it to server/apispec and run make generate)", p)
		}
	}
	if len(registered) < 40 {
		t.Fatalf("only %d routes registered: %v", len(registered), s.Server.Routes())
	}
	md, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("docs/openapi.json documents %q, which the server does not serve", op)
		}
		method, path, _ := strings.Cut(op, " ")
		row := "| " + method + " | `" + path
		if !strings.Contains(string(md), row+"`") && !strings.Contains(string(md), row+"?") && !strings.Contains(string(md), "`"+op+"`") {
			t.Errorf("docs/api.md does not name %s (as a table row `| %s | `%s`` or as `%s`)", op, method, path, op)
		}
	}
	res, err := http.Get(s.URL.String() + "/api/v2/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != string(docs.OpenAPI) || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/v2/openapi.json: %d %q, %d bytes, want docs/openapi.json", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
}

// TestOpenAPITraffic runs requests that reach every documented route, a
// workspace built with real terraform included, through a validator of
// docs/openapi.json: each request and each answer (status, body) must
// validate, and every documented route must have been reached.
func TestOpenAPITraffic(t *testing.T) {
	v := servertest.NewOpenAPIValidator(t)
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true, Wrap: v.Wrap})
	ctx := context.Background()
	get := func(c *sdk.Client, path string) int {
		t.Helper()
		res, err := c.Request(ctx, http.MethodGet, path, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	anon := sdk.New(s.URL)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := anon.BuildInfo(ctx)
	must("buildinfo", err)
	for path, want := range map[string]int{"/api/v2/openapi.json": 200, "/healthz": 200, "/readyz": 200, "/api/v2/users/first": 200,
		"/api/v2/internal/relay/agents/" + "00000000-0000-0000-0000-000000000000": 403} {
		if got := get(anon, path); got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	if _, err := anon.CreateFirstUser(ctx, sdk.CreateFirstUserRequest{Username: "again", Email: "again@example.com", Password: "a long password"}); sdk.StatusCode(err) != http.StatusConflict {
		t.Errorf("a second first user: %v", err)
	}
	if _, err := anon.Login(ctx, sdk.LoginRequest{Username: "admin", Password: "wrong password"}); sdk.StatusCode(err) != http.StatusUnauthorized {
		t.Errorf("a wrong password: %v", err)
	}
	// The dashboard's login, from the server's own origin.
	req, err := http.NewRequest(http.MethodPost, s.URL.String()+"/api/v2/users/login/cookie", strings.NewReader(`{"username":"admin","password":"admin-password"}`))
	must("cookie login request", err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.URL.Scheme+"://"+s.URL.Host)
	res, err := http.DefaultClient.Do(req)
	must("cookie login", err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("cookie login: %d, want 201", res.StatusCode)
	}

	// Users and tokens.
	_, err = s.Admin.User(ctx, sdk.Me)
	must("user", err)
	_, err = s.Admin.CreateToken(ctx, sdk.Me, sdk.CreateTokenRequest{Lifetime: time.Hour})
	must("token", err)
	c := s.NewMember(t, "ann")
	bye := s.Login(t, "ann", "ann-password")
	must("logout", bye.Logout(ctx))

	// Secrets and the audit log.
	_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: sdk.SecretValue("v-" + canary(t)), EnvName: "API_KEY", Description: "key"})
	must("create secret", err)
	off := false
	_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "spare", Value: "x", Enabled: &off})
	must("create disabled secret", err)
	if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: "dup", EnvName: "OTHER"}); sdk.StatusCode(err) != http.StatusConflict {
		t.Errorf("a duplicate secret: %v", err)
	}
	_, err = c.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: "dotenv", Content: "IMPORTED=one\nmy-key=two\n"})
	must("import", err)
	_, err = c.Secrets(ctx, sdk.Me)
	must("list secrets", err)
	_, err = c.Secret(ctx, sdk.Me, "spare")
	must("get secret", err)
	desc := "changed"
	_, err = c.UpdateSecret(ctx, sdk.Me, "spare", sdk.UpdateSecretRequest{Description: &desc})
	must("update secret", err)
	must("delete secret", c.DeleteSecret(ctx, sdk.Me, "spare"))
	_, err = c.Audit(ctx, sdk.AuditQuery{User: sdk.Me, Action: "create", ResourceType: "secret", Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour), Limit: 10})
	must("audit", err)
	if _, err := s.Admin.Audit(ctx, sdk.AuditQuery{}); err != nil {
		t.Fatal(err)
	}

	// Templates: a tar push and a JSON push.
	pushTemplate(t, s.Admin, "apps", "testdata/apps")
	archive, err := templatearchive.Pack("testdata/apps")
	must("pack", err)
	tmpl, err := s.Admin.PushTemplateVersion(ctx, "apps", sdk.PushTemplateRequest{Archive: archive, Message: "second"})
	must("push JSON", err)
	_, err = c.Templates(ctx)
	must("templates", err)
	_, err = c.Template(ctx, "apps")
	must("template", err)
	_, err = c.TemplateVersionInfo(ctx, tmpl.ActiveVersionID)
	must("version info", err)

	// A workspace, built with real terraform.
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "apps"})
	must("create workspace", err)
	mustSucceed(t, c, ws.LatestBuild)
	must("build logs", c.BuildLogs(ctx, ws.LatestBuild.ID, func(sdk.BuildLog) {}))
	_, err = c.Build(ctx, ws.LatestBuild.ID)
	must("build", err)
	_, err = c.BuildParameters(ctx, ws.LatestBuild.ID)
	must("build parameters", err)
	if code := get(c, "/api/v2/workspacebuilds/"+ws.LatestBuild.ID.String()+"/secrets"); code != http.StatusOK {
		t.Errorf("GET build secrets: %d, want 200", code)
	}
	if code := get(c, "/api/v2/deployment/user-secrets/capabilities"); code != http.StatusOK {
		t.Errorf("GET capabilities: %d, want 200", code)
	}
	_, err = c.Workspaces(ctx, sdk.Me)
	must("workspaces", err)
	_, err = c.Workspace(ctx, sdk.Me, "dev")
	must("workspace", err)
	live := sdk.RefreshLive
	if got, err := c.UpdateWorkspace(ctx, sdk.Me, "dev", sdk.UpdateWorkspaceRequest{SecretRefresh: &live}); err != nil || got.SecretRefresh != sdk.RefreshLive {
		t.Errorf("update workspace: %v, secret_refresh %q", err, got.SecretRefresh)
	}
	if _, err := c.UpdateWorkspace(ctx, sdk.Me, "dev", sdk.UpdateWorkspaceRequest{}); sdk.StatusCode(err) != http.StatusBadRequest {
		t.Errorf("an empty workspace update: %v, want 400", err)
	}
	_, err = c.WorkspaceDetail(ctx, sdk.Me, "dev")
	must("resources", err)
	_, err = c.WorkspaceAgent(ctx, sdk.Me, "dev")
	must("agent", err)
	// No agent is connected: the SSH route answers 502.
	if conn, err := c.DialWorkspace(ctx, sdk.Me, "dev"); err == nil {
		conn.Close()
		t.Error("SSH to a workspace whose agent is not connected succeeded")
	}

	// The agent's routes, with its token.
	ag := sdk.New(s.URL)
	ag.SessionToken = agentToken(t, s, ws.ID)
	m, err := ag.AgentManifest(ctx)
	must("manifest", err)
	must("lifecycle", ag.PostLifecycle(ctx, sdk.AgentLifecycleRequest{State: sdk.LifecycleStarting, ChangedAt: time.Now(), AgentID: m.AgentID}))
	must("manifest applied", ag.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{AgentID: m.AgentID, Revision: m.Revision, Home: "/home/dev"}))
	_, err = c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Workspace: "dev"})
	must("secret preview", err)
	must("agent logs", ag.PostLogs(ctx, sdk.AgentLogsRequest{Logs: []sdk.AgentLog{{CreatedAt: time.Now(), Level: "info", Output: "hello", Source: "startup_script"}}, AgentID: m.AgentID}))
	must("app health", ag.PostAppHealth(ctx, sdk.AppHealthRequest{Healths: map[string]string{"web": sdk.AppHealthy}, AgentID: m.AgentID}))
	_, err = c.WorkspaceAgentLogs(ctx, sdk.Me, "dev")
	must("workspace agent logs", err)
	conn, err := ag.DialAgentRPC(ctx)
	must("agent rpc", err)
	conn.Close()

	// The agent binary.
	if got := get(anon, "/bin/coder-linux-amd64"); got != 200 {
		t.Errorf("GET /bin/coder-linux-amd64: %d", got)
	}
	if got := get(anon, "/bin/coder-linux-amd64.sha256"); got != 200 {
		t.Errorf("GET /bin/coder-linux-amd64.sha256: %d", got)
	}
	if got := get(anon, "/bin/coder-plan9-mips"); got != 404 {
		t.Errorf("GET /bin/coder-plan9-mips: %d", got)
	}

	// Stop (canceled at once or while it runs), start, delete.
	stop, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStop)
	must("stop", err)
	_, err = c.CancelBuild(ctx, stop.ID)
	must("cancel", err)
	finish(t, c, stop)
	del, err := c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionDelete, Orphan: true})
	must("orphan delete", err)
	_ = del

	if missing := v.Missing(documentedOps(t)); len(missing) > 0 {
		t.Errorf("no request reached these documented routes: %v", missing)
	}
	if errs := v.Errors(); len(errs) == 0 {
		t.Logf("%d operations validated", len(v.Seen()))
	}
}
