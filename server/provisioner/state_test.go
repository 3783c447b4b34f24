package provisioner

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/agenttoken"
	"github.com/usersecrets/coder/server/store"
)

// showOutput is what `terraform show -json` prints for a template with one
// agent in a child module, a coder_env and a coder_script pointing at it,
// and resources that are not ours.
const showOutput = `{
  "format_version": "1.0",
  "terraform_version": "1.5.7",
  "values": {
    "root_module": {
      "resources": [
        {"address": "coder_env.token", "mode": "managed", "type": "coder_env", "name": "token",
         "provider_name": "registry.terraform.io/coder/coder", "schema_version": 0,
         "values": {"agent_id": "a1", "name": "GREETING", "value": "hello", "merge_strategy": "append"}},
        {"address": "coder_script.setup", "mode": "managed", "type": "coder_script", "name": "setup",
         "provider_name": "registry.terraform.io/coder/coder", "schema_version": 0,
         "values": {"agent_id": "a1", "display_name": "Setup", "script": "echo hi", "run_on_start": true, "timeout": 30}},
        {"address": "data.coder_secret.x", "mode": "data", "type": "coder_agent", "name": "x",
         "provider_name": "registry.terraform.io/coder/coder", "schema_version": 0, "values": {"id": "d"}},
        {"address": "null_resource.other", "mode": "managed", "type": "null_resource", "name": "other",
         "provider_name": "registry.terraform.io/hashicorp/null", "schema_version": 0, "values": {"id": "1"}}
      ],
      "child_modules": [
        {"address": "module.dev", "resources": [
          {"address": "module.dev.coder_agent.main", "mode": "managed", "type": "coder_agent", "name": "main",
           "provider_name": "registry.terraform.io/coder/coder", "schema_version": 0,
           "values": {"id": "a1", "token": "tok", "os": "linux", "arch": "amd64", "dir": "/home/dev",
                      "env": {"B": "2", "A": "1"}, "startup_script": "make start"}}
        ]}
      ]
    }
  }
}`

// decodeShow reads `terraform show -json` output as terraform-exec does.
func decodeShow(t *testing.T, show string) *tfjson.State {
	t.Helper()
	var st tfjson.State
	st.UseJSONNumber(true)
	if err := json.Unmarshal([]byte(show), &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func TestParseAgents(t *testing.T) {
	t.Parallel()
	b := store.WorkspaceBuild{ID: uuid.New(), WorkspaceID: uuid.New()}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	agents, err := parseAgents(decodeShow(t, showOutput), b, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 {
		t.Fatalf("got %d agents, want 1", len(agents))
	}
	a := agents[0]
	if a.Name != "main" || a.OS != "linux" || a.Arch != "amd64" || a.Directory != "/home/dev" || a.BuildID != b.ID || a.WorkspaceID != b.WorkspaceID {
		t.Errorf("got agent %+v", a)
	}
	if got, want := string(a.TokenHash), string(agenttoken.Hash("tok")); got != want {
		t.Errorf("got token hash %x, want %x", got, want)
	}
	var env []sdk.EnvVar
	if err := json.Unmarshal(a.Env, &env); err != nil {
		t.Fatal(err)
	}
	wantEnv := []sdk.EnvVar{
		{Name: "A", Value: "1", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "B", Value: "2", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "GREETING", Value: "hello", MergeStrategy: "append", Source: "coder_env"},
	}
	if diff := cmp.Diff(wantEnv, env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	var scripts []sdk.AgentScript
	if err := json.Unmarshal(a.Scripts, &scripts); err != nil {
		t.Fatal(err)
	}
	wantScripts := []sdk.AgentScript{
		{DisplayName: "Startup Script", Script: "make start", RunOnStart: true},
		{DisplayName: "Setup", Script: "echo hi", RunOnStart: true, TimeoutSeconds: 30},
	}
	if diff := cmp.Diff(wantScripts, scripts); diff != "" {
		t.Errorf("scripts (-want +got):\n%s", diff)
	}
}

func TestParseAgentsNoToken(t *testing.T) {
	t.Parallel()
	st := &tfjson.State{Values: &tfjson.StateValues{RootModule: &tfjson.StateModule{Resources: []*tfjson.StateResource{{
		Address: "coder_agent.main", Mode: tfjson.ManagedResourceMode, Type: "coder_agent", Name: "main",
		AttributeValues: map[string]any{"id": "a1"},
	}}}}}
	if _, err := parseAgents(st, store.WorkspaceBuild{}, time.Now()); err == nil {
		t.Error("got no error for an agent without a token")
	}
	if agents, err := parseAgents(&tfjson.State{}, store.WorkspaceBuild{}, time.Now()); err != nil || len(agents) != 0 {
		t.Errorf("empty state: got %v, %v; want no agent, no error", agents, err)
	}
}

// TestParseAgentScripts checks which scripts of the applied state reach an
// agent's manifest: coder_agent's startup_script (blocking logins with
// startup_script_behavior "blocking") and shutdown_script, and every field
// of a coder_script.
func TestParseAgentScripts(t *testing.T) {
	show := `{"format_version":"1.0","values":{"root_module":{"resources":[
	  {"address":"coder_agent.main","mode":"managed","type":"coder_agent","name":"main","values":{
	    "id":"agent-1","token":"tok","os":"linux","arch":"amd64",
	    "startup_script":"echo up","startup_script_behavior":"blocking","shutdown_script":"echo down"}},
	  {"address":"coder_script.nightly","mode":"managed","type":"coder_script","name":"nightly","values":{
	    "agent_id":"agent-1","display_name":"Nightly","script":"echo night","run_on_start":false,"run_on_stop":true,
	    "start_blocks_login":false,"timeout":30,"cron":"0 0 22 * * *","log_path":"nightly.log"}}
	]}}}`
	agents, err := parseAgents(decodeShow(t, show), store.WorkspaceBuild{ID: uuid.New(), WorkspaceID: uuid.New()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 {
		t.Fatalf("agents: got %d, want 1", len(agents))
	}
	var got []sdk.AgentScript
	if err := json.Unmarshal(agents[0].Scripts, &got); err != nil {
		t.Fatal(err)
	}
	want := []sdk.AgentScript{
		{DisplayName: "Startup Script", Script: "echo up", RunOnStart: true, StartBlocksLogin: true},
		{DisplayName: "Shutdown Script", Script: "echo down", RunOnStop: true},
		{DisplayName: "Nightly", Script: "echo night", RunOnStop: true, TimeoutSeconds: 30, Cron: "0 0 22 * * *", LogPath: "nightly.log"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scripts (-want +got):\n%s", diff)
	}
}
