package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/pgtest"
)

func pushTemplate(t testing.TB, c *sdk.Client, name, dir string) sdk.Template {
	t.Helper()
	archive, err := templatearchive.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := c.PushTemplate(context.Background(), name, archive)
	if err != nil {
		t.Fatalf("push template %s: %v", name, err)
	}
	return tmpl
}

// finish follows a build to its end and returns it with its log.
func finish(t testing.TB, c *sdk.Client, b sdk.WorkspaceBuild) (sdk.WorkspaceBuild, string) {
	t.Helper()
	var log strings.Builder
	done, err := c.FollowBuildLogs(context.Background(), b.ID, func(l sdk.BuildLog) {
		log.WriteString(l.Output + "\n")
	})
	if err != nil {
		t.Fatalf("follow build: %v", err)
	}
	return done, log.String()
}

func mustSucceed(t testing.TB, c *sdk.Client, b sdk.WorkspaceBuild) string {
	t.Helper()
	done, log := finish(t, c, b)
	if done.Status != sdk.BuildSucceeded {
		t.Fatalf("build #%d %s: status %s, error %q\nlog:\n%s", done.BuildNumber, done.Transition, done.Status, done.Error, log)
	}
	return log
}

// printed is a build log with the lines Terraform cut out of one line of
// a provisioner's output joined (a busy machine cuts them anywhere).
func printed(log string) string { return redact.JoinProvisionerOutput(log) }

// agentToken reads the coder_agent's token from the workspace's sealed
// state.
func agentToken(t testing.TB, s *servertest.Server, workspaceID [16]byte) string {
	t.Helper()
	return s.AgentToken(t, workspaceID)
}

// stateOutputs opens a workspace's sealed state and returns its outputs.
func stateOutputs(t *testing.T, s *servertest.Server, workspaceID [16]byte) map[string]string {
	t.Helper()
	pt, _, err := s.Crypt.GetWorkspaceState(context.Background(), workspaceID)
	if err != nil || pt == nil {
		t.Fatalf("workspace state: %v (nil: %v)", err, pt == nil)
	}
	var st struct {
		Outputs map[string]struct {
			Value any `json:"value"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(pt, &st); err != nil {
		t.Fatalf("parse state: %v", err)
	}
	out := map[string]string{}
	for k, v := range st.Outputs {
		s, _ := v.Value.(string)
		out[k] = s
	}
	return out
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestWorkspaceLifecycle pushes a template and drives a workspace through
// create, stop, start, restart and delete with real terraform, checking the
// state carries from build to build, the secret reaches start builds only,
// logs are redacted, nothing is left in the build folder, and the database
// holds no value in plaintext.
func TestWorkspaceLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "buildcheck", "testdata/buildcheck")
		c := s.NewMember(t, "wendy")

		// Missing secret: refused before Terraform runs, nothing created.
		_, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "Create an API key secret: the build check needs one.") ||
			!strings.Contains(err.Error(), "coder secret create") {
			t.Fatalf("create without the secret: got %v, want 400 with the help message and a create command", err)
		}
		if list, _ := c.Workspaces(ctx, sdk.Me); len(list) != 0 {
			t.Fatalf("a refused create left %d workspace(s)", len(list))
		}

		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: sdk.SecretValue(value), EnvName: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		logs = append(logs, mustSucceed(t, c, ws.LatestBuild))
		if !strings.Contains(printed(logs[0]), "the secret is ********") {
			t.Fatalf("start build log lacks the redacted secret line:\n%s", logs[0])
		}
		out := stateOutputs(t, s, ws.ID)
		if out["api_key_sha256"] != sha(value) || out["transition"] != "start" {
			t.Fatalf("start build outputs %v: want the secret's hash and transition start", out)
		}
		agent, err := c.WorkspaceAgent(ctx, sdk.Me, "dev")
		if err != nil || agent.Name != "main" {
			t.Fatalf("recorded agent: %+v, %v", agent, err)
		}
		// The agent's token (only in the sealed state) fetches the
		// manifest while the workspace is started; a wrong token does not.
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("manifest of a started workspace: %v", err)
		}
		if len(m.Secrets) != 1 || m.Secrets[0].EnvName != "API_KEY" || m.Secrets[0].Value.Reveal() != value {
			t.Fatalf("manifest secrets: %d, want the api-key secret with its value", len(m.Secrets))
		}
		wantEnv := []sdk.EnvVar{
			{Name: "FROM_AGENT", Value: "agent", MergeStrategy: "replace", Source: "coder_agent"},
			{Name: "SHARED", Value: "agent", MergeStrategy: "replace", Source: "coder_agent"},
			{Name: "SHARED", Value: "coder_env", MergeStrategy: "replace", Source: "coder_env"},
		}
		if diff := cmp.Diff(wantEnv, m.Env); diff != "" {
			t.Fatalf("manifest env (-want +got):\n%s", diff)
		}
		if len(m.Scripts) != 2 || m.Scripts[0].DisplayName != "Startup Script" || m.Scripts[1].DisplayName != "Hello" {
			t.Fatalf("manifest scripts: %+v", m.Scripts)
		}
		// Reports of an agent of an earlier build (same token) are refused.
		if err := agentClient.PostLifecycle(ctx, sdk.AgentLifecycleRequest{State: sdk.LifecycleReady, AgentID: uuid.New()}); sdk.StatusCode(err) != http.StatusConflict {
			t.Fatalf("lifecycle with another agent id: got %v, want 409", err)
		}
		if err := agentClient.PostLifecycle(ctx, sdk.AgentLifecycleRequest{State: sdk.LifecycleReady, AgentID: m.AgentID}); err != nil {
			t.Fatalf("lifecycle with the current agent id: %v", err)
		}
		if a, _ := c.WorkspaceAgent(ctx, sdk.Me, "dev"); a.LifecycleState != sdk.LifecycleReady {
			t.Fatalf("lifecycle after the report: %s, want ready", a.LifecycleState)
		}
		forged := sdk.New(s.URL)
		forged.SessionToken = "not-a-token"
		if _, err := forged.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("manifest with a wrong token: got %v, want 401", err)
		}
		// A user's session token is no agent token.
		if _, err := c.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("manifest with a user token: got %v, want 401", err)
		}

		// Stop: no secret in the environment; state carried (the
		// terraform_data resource is destroyed, which needs the state).
		stop, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStop)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, mustSucceed(t, c, stop))
		if !strings.Contains(logs[1], "terraform_data.build[0]: Destroy") {
			t.Fatalf("stop build did not destroy the started resource (state not carried?):\n%s", logs[1])
		}
		if out := stateOutputs(t, s, ws.ID); out["api_key_sha256"] != sha("") || out["transition"] != "stop" {
			t.Fatalf("stop build outputs %v: want an empty secret and transition stop", out)
		}
		// A stopped workspace's agent gets no manifest (and no secret).
		if _, err := agentClient.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusForbidden {
			t.Fatalf("manifest of a stopped workspace: got %v, want 403", err)
		}

		// Start again, then restart (stop + start) through the API.
		for _, tr := range []string{sdk.TransitionStart, sdk.TransitionStop, sdk.TransitionStart} {
			bld, err := c.CreateBuild(ctx, sdk.Me, "dev", tr)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, mustSucceed(t, c, bld))
		}
		w, _ := c.Workspace(ctx, sdk.Me, "dev")
		if w.LatestBuild.BuildNumber != 5 || w.LatestBuild.Transition != sdk.TransitionStart {
			t.Fatalf("latest build %+v: want #5 start", w.LatestBuild)
		}

		// A build while another runs is refused.
		bld, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStop)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStart); sdk.StatusCode(err) != http.StatusConflict {
			t.Fatalf("second build while one is queued: got %v, want 409", err)
		}
		logs = append(logs, mustSucceed(t, c, bld))

		// The secret is deleted: stop and delete still work.
		if err := c.DeleteSecret(ctx, sdk.Me, "api-key"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStart); sdk.StatusCode(err) != http.StatusBadRequest {
			t.Fatalf("start without the secret: got %v, want 400", err)
		}
		del, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionDelete)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, mustSucceed(t, c, del))
		if _, err := c.Workspace(ctx, sdk.Me, "dev"); !sdk.IsNotFound(err) {
			t.Fatalf("workspace after delete: got %v, want 404", err)
		}
		if list, _ := c.Workspaces(ctx, sdk.Me); len(list) != 0 {
			t.Fatalf("list after delete: %d workspaces", len(list))
		}

		// Each start build ran its local-exec exactly once.
		ids, err := os.ReadFile(filepath.Join(s.DataDir, "workspaces", "builds.log"))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(string(ids))); n != 3 {
			t.Fatalf("local-exec ran %d times, want 3 (one per start build)", n)
		}

		// No value anywhere: logs, build folders, the database.
		for _, l := range logs {
			if strings.Contains(l, value) {
				t.Fatal("a build log holds the secret value")
			}
		}
		if strings.Contains(s.Logs.String(), value) {
			t.Fatal("the server log holds the secret value")
		}
		// The process's own folder (builds/proc-<worker>) stays; no
		// build folder in it does.
		left, err := filepath.Glob(filepath.Join(s.DataDir, "builds", "*", "build-*"))
		if err != nil || len(left) != 0 {
			t.Fatalf("build folders after the jobs: %v (%v), want none", left, err)
		}
		var raw []byte
		if b.Name == "sqlite" {
			for _, suffix := range []string{"", "-wal"} {
				data, _ := os.ReadFile(s.Where + suffix)
				raw = append(raw, data...)
			}
		} else {
			raw = pgtest.PGDump(t, s.Where)
		}
		if !bytes.Contains(raw, []byte("buildcheck")) {
			t.Fatal("the search cannot fail: the template name is not in the database either")
		}
		if bytes.Contains(raw, []byte(value)) {
			t.Fatal("the database holds the secret value in plaintext")
		}
	})
}

// TestBuildsRunOnceAcrossServers runs two servers on one PostgreSQL
// database and creates 20 workspaces at once through both: every build
// runs exactly once and all succeed.
func TestBuildsRunOnceAcrossServers(t *testing.T) {
	var pg servertest.Backend
	for _, b := range servertest.Backends() {
		if b.Name == "postgres" {
			pg = b
		}
	}
	s1 := servertest.New(t, pg, servertest.Options{Terraform: true})
	s2 := servertest.New(t, pg, servertest.Options{Terraform: true, Store: openShared(t, s1.Where), RawKeys: s1.RawKeys})
	ctx := context.Background()
	pushTemplate(t, s1.Admin, "buildcheck", "testdata/buildcheck")
	c1 := s1.NewMember(t, "xena")
	c2 := s2.Login(t, "xena", "xena-password")
	if _, err := c1.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: "v", EnvName: "API_KEY"}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	builds := make([]sdk.WorkspaceBuild, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := c1
			if i%2 == 1 {
				c = c2
			}
			ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "ws-" + string(rune('a'+i)), Template: "buildcheck"})
			if err != nil {
				errs <- err
				return
			}
			builds[i] = ws.LatestBuild
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("create: %v", err)
	}
	for _, b := range builds {
		mustSucceed(t, c1, b)
	}
	// Both servers lay out the same workspaces folder name under their own
	// data folders; each build appended its id to one of the two logs.
	seen := map[string]int{}
	for _, dir := range []string{s1.DataDir, s2.DataDir} {
		data, err := os.ReadFile(filepath.Join(dir, "workspaces", "builds.log"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, id := range strings.Fields(string(data)) {
			seen[id]++
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct builds ran, want %d", len(seen), n)
	}
	for _, b := range builds {
		if seen[b.ID.String()] != 1 {
			t.Fatalf("build %s ran %d times, want exactly once", b.ID, seen[b.ID.String()])
		}
	}
	if !strings.Contains(s1.Logs.String(), "build finished") || !strings.Contains(s2.Logs.String(), "build finished") {
		t.Log("note: one server ran every build (both claimed from the same queue)")
	}
}
