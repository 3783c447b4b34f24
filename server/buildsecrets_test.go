package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
)

// manifestOf fetches the manifest of the workspace's current agent.
func manifestOf(t *testing.T, s *servertest.Server, ws sdk.Workspace) sdk.AgentManifest {
	t.Helper()
	ac := sdk.New(s.URL)
	ac.SessionToken = agentToken(t, s, ws.ID)
	m, err := ac.AgentManifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// delivered sums up a manifest's secrets: "name source env file value".
func delivered(m sdk.AgentManifest) []string {
	var out []string
	for _, s := range m.Secrets {
		out = append(out, strings.Join([]string{s.Name, s.Source, s.EnvName, s.FilePath, s.Value.Reveal()}, " "))
	}
	sort.Strings(out)
	return out
}

func wantDelivered(t *testing.T, m sdk.AgentManifest, want ...string) {
	t.Helper()
	sort.Strings(want)
	got := delivered(m)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("manifest secrets:\n got %q\nwant %q", got, want)
	}
}

// TestFileDeliveryPolicy: with --disable-user-secret-file-delivery, file
// targets are refused on create, update and build requests, a secret with
// both targets reaches the workspace as an environment variable only, and
// a file-only one not at all: its value is nowhere in the manifest. The
// capabilities route says so to any signed-in user, and 401 otherwise.
func TestFileDeliveryPolicy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, DisableUserSecretFileDelivery: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		pushTemplate(t, s.Admin, "filepolicy", "testdata/filepolicy")
		pushTemplate(t, s.Admin, "filereq", "testdata/filereq")
		c := s.NewMember(t, "fiona")

		caps, err := c.UserSecretCapabilities(ctx)
		if err != nil || caps.FilePathDeliveryEnabled {
			t.Fatalf("capabilities: got %+v, %v; want file_path_delivery_enabled false", caps, err)
		}
		code, body := rawRequest(t, c, http.MethodGet, "/api/v2/deployment/user-secrets/capabilities", nil)
		if code != http.StatusOK || strings.TrimSpace(string(body)) != `{"file_path_delivery_enabled":false}` {
			t.Fatalf("capabilities: %d %s", code, body)
		}
		if code, _ := rawRequest(t, sdk.New(s.URL), http.MethodGet, "/api/v2/deployment/user-secrets/capabilities", nil); code != http.StatusUnauthorized {
			t.Fatalf("capabilities without a token: got %d, want 401", code)
		}

		// Refusals.
		const refusal = "This deployment disables file delivery of secrets"
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "f", Value: "v", FilePath: "~/.f"})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), refusal) {
			t.Fatalf("create with a file target: got %v, want 400 %q", err, refusal)
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "e", Value: "v", EnvName: "E"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.UpdateSecret(ctx, sdk.Me, "e", sdk.UpdateSecretRequest{FilePath: ptr("~/.e")})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), refusal) {
			t.Fatalf("update to a file target: got %v, want 400 %q", err, refusal)
		}
		bv := sdk.SecretValue("v")
		_, err = c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "nope", Template: "plain",
			Secrets: []sdk.BuildSecret{{Name: "bf", Value: &bv, FilePath: "~/.bf"}}})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), refusal) {
			t.Fatalf("a build secret with a file target: got %v, want 400 %q", err, refusal)
		}
		if _, err := c.Workspace(ctx, sdk.Me, "nope"); sdk.StatusCode(err) != http.StatusNotFound {
			t.Fatalf("a refused create left a workspace: %v", err)
		}

		// Secrets stored before the policy was turned on (the store below
		// the API): one with both targets, one with a file only.
		me, err := c.User(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		dualValue, fileValue := canary(t), canary(t)
		for _, sec := range []store.Secret{
			{Name: "dual", EnvName: "DUAL", FilePath: "~/.dual", Value: sdk.SecretValue(dualValue)},
			{Name: "file-only", FilePath: "~/.file-only", Value: sdk.SecretValue(fileValue)},
		} {
			sec.ID, sec.OwnerID, sec.Enabled = uuid.New(), me.ID, true
			if _, err := s.Crypt.InsertSecret(ctx, store.InsertSecretParams{Secret: sec, ActorID: me.ID}); err != nil {
				t.Fatal(err)
			}
		}
		// Clearing a file target stays allowed.
		if _, err := c.UpdateSecret(ctx, sdk.Me, "dual", sdk.UpdateSecretRequest{FilePath: ptr("")}); err != nil {
			t.Fatalf("clearing a file target: %v", err)
		}
		if _, err := s.Crypt.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: me.ID, Name: "dual", FilePath: ptr("~/.dual"), ActorID: me.ID}); err != nil {
			t.Fatal(err)
		}

		// A template that requires a file secret cannot be met.
		_, err = c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "kube", Template: "filereq"})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "requires secrets written to files (~/.kube/config), but this deployment disables file delivery") {
			t.Fatalf("a template requiring a file secret: got %v", err)
		}

		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "filepolicy"})
		if err != nil {
			t.Fatal(err)
		}
		log := mustSucceed(t, c, ws.LatestBuild)
		// Terraform got the env targets only: no CODER_SECRET_FILE_*.
		names, err := os.ReadFile(filepath.Join(s.DataDir, "workspaces", "secret-names.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(names), "CODER_SECRET_ENV_DUAL\n") || strings.Contains(string(names), "CODER_SECRET_FILE_") {
			t.Fatalf("the build's secret variables: %q; want CODER_SECRET_ENV_DUAL and no file variable", names)
		}
		m := manifestOf(t, s, ws)
		wantDelivered(t, m, "dual user DUAL  "+dualValue, "e user E  v")
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(fileValue)) || bytes.Contains(raw, []byte("~/.dual")) || bytes.Contains(raw, []byte("file-only")) {
			t.Fatalf("the manifest holds the file-only secret or a file target: %s", raw)
		}
		state, _, err := s.Crypt.GetWorkspaceState(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(state, []byte(fileValue)) || strings.Contains(log, fileValue) {
			t.Fatal("the file-only value reached the build (state or log)")
		}
		detail, err := c.WorkspaceDetail(ctx, sdk.Me, "dev")
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range detail.Secrets {
			if sec.FilePath != "" || sec.Name == "file-only" {
				t.Errorf("coder show lists a file delivery: %+v", sec)
			}
		}

		// Without the policy: file delivery is on.
		plain := servertest.New(t, b, servertest.Options{})
		if caps, err := plain.Admin.UserSecretCapabilities(ctx); err != nil || !caps.FilePathDeliveryEnabled {
			t.Fatalf("capabilities without the policy: got %+v, %v; want enabled", caps, err)
		}
	})
}

// TestBuildSecrets: secrets given with create and build requests reach the
// agent's manifest only, beat user secrets per target (env name exactly,
// file path after path.Clean), carry into later builds unless ephemeral,
// go with a null value; no value is in a response, a log, the state, the
// parameters or the database in plaintext.
func TestBuildSecrets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "bart")
		uTok, uKey, uKeep := canary(t), canary(t), canary(t)
		for _, req := range []sdk.CreateSecretRequest{
			{Name: "u-tok", Value: sdk.SecretValue(uTok), EnvName: "TOKEN", FilePath: "~/.tok"},
			{Name: "u-key", Value: sdk.SecretValue(uKey), FilePath: "~/a/key"},
			{Name: "u-keep", Value: sdk.SecretValue(uKeep), EnvName: "KEEP"},
		} {
			if _, err := c.CreateSecret(ctx, sdk.Me, req); err != nil {
				t.Fatal(err)
			}
		}
		bTok, bKey, bEph, bKey2, bNew := canary(t), canary(t), canary(t), canary(t), canary(t)
		all := []string{bTok, bKey, bEph, bKey2, bNew}
		val := func(v string) *sdk.SecretValue { sv := sdk.SecretValue(v); return &sv }

		// Refusals, before anything is stored.
		for _, tt := range []struct {
			secrets []sdk.BuildSecret
			want    string
		}{
			{[]sdk.BuildSecret{{Name: "x", Value: val("v")}}, "needs a target"},
			{[]sdk.BuildSecret{{Name: "x", Value: val("v"), EnvName: "CODER_AGENT_TOKEN"}}, "CODER_"},
			{[]sdk.BuildSecret{{Name: "x", Value: val("v"), EnvName: "A"}, {Name: "y", Value: val("v"), EnvName: "A"}}, "both target the environment variable A"},
			{[]sdk.BuildSecret{{Name: "x", Value: val("v"), FilePath: "~/f"}, {Name: "y", Value: val("v"), FilePath: "~//f"}}, "both target the file"},
			{[]sdk.BuildSecret{{Name: "x"}}, `no build secret "x" to remove`},
			{[]sdk.BuildSecret{{Name: "x", Value: val(strings.Repeat("a", 20000)), EnvName: "A"}, {Name: "y", Value: val(strings.Repeat("b", 20000)), EnvName: "B"}},
				"with an environment variable target would hold 40000 bytes of values; the limit is 24576 bytes"},
		} {
			_, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "bad", Template: "plain", Secrets: tt.secrets})
			if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%+v: got %v, want 400 %q", tt.secrets, err, tt.want)
			}
		}
		code, body := rawRequest(t, c, http.MethodPost, "/api/v2/users/me/workspaces",
			[]byte(`{"name":"bad","template":"plain","secrets":[{"name":"x","env_name":"X"}]}`))
		if code != http.StatusBadRequest || !strings.Contains(string(body), "value is required") {
			t.Errorf("a build secret without a value: %d %s", code, body)
		}

		// Build 1: the create request's secrets.
		req, _ := json.Marshal(sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain", Secrets: []sdk.BuildSecret{
			{Name: "b-tok", Value: val(bTok), EnvName: "TOKEN"},
			{Name: "b-key", Value: val(bKey), FilePath: "~/a//key"},
			{Name: "b-eph", Value: val(bEph), EnvName: "EPH", Ephemeral: true},
		}})
		code, body = rawRequest(t, c, http.MethodPost, "/api/v2/users/me/workspaces", req)
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		responses := [][]byte{body}
		var ws sdk.Workspace
		if err := json.Unmarshal(body, &ws); err != nil {
			t.Fatal(err)
		}
		var logs []string
		logs = append(logs, mustSucceed(t, c, ws.LatestBuild))
		wantDelivered(t, manifestOf(t, s, ws),
			"u-tok user  ~/.tok "+uTok, "u-keep user KEEP  "+uKeep,
			"b-tok build TOKEN  "+bTok, "b-key build  ~/a//key "+bKey, "b-eph build EPH  "+bEph)
		listed, err := c.BuildSecrets(ctx, ws.LatestBuild.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) != 3 || listed[0].Name != "b-eph" || !listed[0].Ephemeral || listed[1].Name != "b-key" ||
			len(listed[1].Replaces) != 1 || listed[1].Replaces[0] != (sdk.BuildSecretReplacement{UserSecret: "u-key", Target: "file", FilePath: "~/a/key"}) ||
			listed[2].Name != "b-tok" || len(listed[2].Replaces) != 1 || listed[2].Replaces[0].UserSecret != "u-tok" || listed[2].Replaces[0].Target != "env" ||
			listed[2].SetInBuild != 1 || !listed[2].Delivered {
			t.Fatalf("build secrets of build 1: %+v", listed)
		}
		// The agent's logs are masked with the build secrets' values too.
		ac := sdk.New(s.URL)
		ac.SessionToken = agentToken(t, s, ws.ID)
		if err := ac.PostLogs(ctx, sdk.AgentLogsRequest{Logs: []sdk.AgentLog{{Output: "token is " + bTok, Source: "Startup Script", Level: "info"}}}); err != nil {
			t.Fatal(err)
		}
		agentLogs, err := c.WorkspaceAgentLogs(ctx, sdk.Me, "dev")
		if err != nil || len(agentLogs) != 1 || strings.Contains(agentLogs[0].Output, bTok) {
			t.Fatalf("agent logs: %+v, %v; want the build secret masked", agentLogs, err)
		}

		build := func(req sdk.CreateBuildRequest) sdk.WorkspaceBuild {
			t.Helper()
			raw, _ := json.Marshal(req)
			code, body := rawRequest(t, c, http.MethodPost, "/api/v2/users/me/workspaces/dev/builds", raw)
			if code != http.StatusCreated {
				t.Fatalf("build %+v: %d %s", req.Transition, code, body)
			}
			responses = append(responses, body)
			var b sdk.WorkspaceBuild
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatal(err)
			}
			logs = append(logs, mustSucceed(t, c, b))
			return b
		}
		// Secrets go with a start only.
		_, err = c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStop, Secrets: []sdk.BuildSecret{{Name: "z", Value: val("v"), EnvName: "Z"}}})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "only with the start transition") {
			t.Fatalf("secrets with a stop: got %v", err)
		}

		// Builds 2 and 3: a stop, then a start without secrets: the
		// ephemeral one is gone, the others are carried.
		build(sdk.CreateBuildRequest{Transition: sdk.TransitionStop})
		b3 := build(sdk.CreateBuildRequest{Transition: sdk.TransitionStart})
		wantDelivered(t, manifestOf(t, s, ws),
			"u-tok user  ~/.tok "+uTok, "u-keep user KEEP  "+uKeep,
			"b-tok build TOKEN  "+bTok, "b-key build  ~/a//key "+bKey)
		listed, err = c.BuildSecrets(ctx, b3.ID)
		if err != nil || len(listed) != 2 || listed[0].SetInBuild != 1 || listed[1].SetInBuild != 1 {
			t.Fatalf("build secrets of build 3: %+v, %v; want b-key and b-tok carried from build 1", listed, err)
		}

		// Builds 4 and 5: b-tok removed (null value), b-key replaced by
		// name, b-new added. TOKEN is the user secret's again.
		build(sdk.CreateBuildRequest{Transition: sdk.TransitionStop})
		b5 := build(sdk.CreateBuildRequest{Transition: sdk.TransitionStart, Secrets: []sdk.BuildSecret{
			{Name: "b-tok"},
			{Name: "b-key", Value: val(bKey2), FilePath: "~/a/key"},
			{Name: "b-new", Value: val(bNew), EnvName: "NEW"},
		}})
		wantDelivered(t, manifestOf(t, s, ws),
			"u-tok user TOKEN ~/.tok "+uTok, "u-keep user KEEP  "+uKeep,
			"b-key build  ~/a/key "+bKey2, "b-new build NEW  "+bNew)
		listed, err = c.BuildSecrets(ctx, b5.ID)
		if err != nil || len(listed) != 2 || listed[0].Name != "b-key" || listed[0].SetInBuild != 5 || listed[1].Name != "b-new" {
			t.Fatalf("build secrets of build 5: %+v, %v", listed, err)
		}
		// The earlier builds' values are erased; their metadata stays.
		if old, err := s.Crypt.ListBuildSecretsWithValues(ctx, b3.ID); err != nil || len(old) != 2 || old[0].ValueErr == nil {
			t.Fatalf("build 3's secrets after build 5: %+v, %v; want erased values", old, err)
		}
		code, body = rawRequest(t, c, http.MethodGet, "/api/v2/workspacebuilds/"+b5.ID.String()+"/secrets", nil)
		responses = append(responses, body)
		if code != http.StatusOK {
			t.Fatalf("build secrets: %d %s", code, body)
		}
		for _, path := range []string{"/api/v2/workspacebuilds/" + b5.ID.String(), "/api/v2/workspacebuilds/" + b5.ID.String() + "/parameters",
			"/api/v2/users/me/workspaces/dev", "/api/v2/users/me/workspaces/dev/resources", "/api/v2/users/me/workspaces"} {
			code, body := rawRequest(t, c, http.MethodGet, path, nil)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			responses = append(responses, body)
		}
		// Another user cannot read them.
		other := s.NewMember(t, "eve")
		if _, err := other.BuildSecrets(ctx, b5.ID); sdk.StatusCode(err) != http.StatusNotFound {
			t.Fatalf("another user's build secrets: got %v, want 404", err)
		}

		state, _, err := s.Crypt.GetWorkspaceState(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw := rawDatabase(t, s, b)
		if !bytes.Contains(raw, []byte("b-new")) {
			t.Fatal("the search cannot fail: the build secret's name is not in the database either")
		}
		for _, v := range all {
			for i, r := range responses {
				if bytes.Contains(r, []byte(v)) {
					t.Errorf("response %d holds a build secret value: %s", i, r)
				}
			}
			for _, l := range logs {
				if strings.Contains(l, v) {
					t.Errorf("a build log holds a build secret value")
				}
			}
			if strings.Contains(s.Logs.String(), v) {
				t.Errorf("the server's log holds a build secret value")
			}
			if bytes.Contains(state, []byte(v)) {
				t.Errorf("the Terraform state holds a build secret value")
			}
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("the database holds a build secret value in plaintext")
			}
		}
	})
}
