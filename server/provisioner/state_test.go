package provisioner

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// TestParseAgentScripts checks which scripts of the applied state reach an
// agent's manifest: coder_agent's startup_script (blocking logins with
// startup_script_behavior "blocking") and shutdown_script, and every field
// of a coder_script.
func TestParseAgentScripts(t *testing.T) {
	show := `{"values":{"root_module":{"resources":[
	  {"address":"coder_agent.main","mode":"managed","type":"coder_agent","name":"main","values":{
	    "id":"agent-1","token":"tok","os":"linux","arch":"amd64",
	    "startup_script":"echo up","startup_script_behavior":"blocking","shutdown_script":"echo down"}},
	  {"address":"coder_script.nightly","mode":"managed","type":"coder_script","name":"nightly","values":{
	    "agent_id":"agent-1","display_name":"Nightly","script":"echo night","run_on_start":false,"run_on_stop":true,
	    "start_blocks_login":false,"timeout":30,"cron":"0 0 22 * * *","log_path":"nightly.log"}}
	]}}}`
	agents, err := parseAgents([]byte(show), store.WorkspaceBuild{ID: uuid.New(), WorkspaceID: uuid.New()}, time.Now())
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
