package provisioner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// stateFileOutput is the state file (format version 4) of the template
// showOutput shows, with a data source and a deposed object besides.
const stateFileOutput = `{
  "version": 4, "terraform_version": "1.5.7", "serial": 3, "lineage": "l",
  "outputs": {},
  "resources": [
    {"mode": "managed", "type": "coder_env", "name": "token", "provider": "provider[\"registry.terraform.io/coder/coder\"]",
     "instances": [{"schema_version": 0, "attributes": {"agent_id": "a1", "name": "GREETING", "value": "hello", "merge_strategy": "append"}}]},
    {"mode": "managed", "type": "coder_script", "name": "setup", "provider": "provider[\"registry.terraform.io/coder/coder\"]",
     "instances": [{"schema_version": 0, "attributes": {"agent_id": "a1", "display_name": "Setup", "script": "echo hi", "run_on_start": true, "timeout": 30}}]},
    {"mode": "data", "type": "coder_agent", "name": "x", "provider": "provider[\"registry.terraform.io/coder/coder\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "d"}}]},
    {"mode": "managed", "type": "null_resource", "name": "other", "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "1"}}, {"deposed": "00abcdef", "schema_version": 0, "attributes": {"id": "old"}}]},
    {"module": "module.dev", "mode": "managed", "type": "coder_agent", "name": "main", "provider": "module.dev.provider[\"registry.terraform.io/coder/coder\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "a1", "token": "tok", "os": "linux", "arch": "amd64", "dir": "/home/dev",
                    "env": {"B": "2", "A": "1"}, "startup_script": "make start"}}]}
  ]
}`

// TestReadStateFile: the state file read in place of `terraform show
// -json` gives the same managed resources (addresses, types, values) and
// so the same agents.
func TestReadStateFile(t *testing.T) {
	t.Parallel()
	fromFile, err := readStateFile([]byte(stateFileOutput))
	if err != nil {
		t.Fatal(err)
	}
	fromShow := decodeShow(t, showOutput)
	type res struct {
		Address, Type, Name, Provider string
		Values                        map[string]any
	}
	var got, want []res
	for _, r := range managed(fromFile.Values.RootModule) {
		got = append(got, res{r.Address, r.Type, r.Name, r.ProviderName, r.AttributeValues})
	}
	for _, r := range managed(fromShow.Values.RootModule) {
		want = append(want, res{r.Address, r.Type, r.Name, r.ProviderName, r.AttributeValues})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("resources of the state file (-show +file):\n%s", diff)
	}
	b := store.WorkspaceBuild{ID: uuid.New(), WorkspaceID: uuid.New()}
	now := time.Now()
	a1, err1 := parseAgents(fromFile, b, now)
	a2, err2 := parseAgents(fromShow, b, now)
	if err1 != nil || err2 != nil || len(a1) != 1 || len(a2) != 1 {
		t.Fatalf("agents: %d, %v from the file; %d, %v from show", len(a1), err1, len(a2), err2)
	}
	a1[0].ID, a2[0].ID = uuid.Nil, uuid.Nil
	if diff := cmp.Diff(a2, a1); diff != "" {
		t.Fatalf("agents (-show +file):\n%s", diff)
	}
}

// TestReadStateFileKeys: count and for_each instances get show's
// addresses; a state file of another format, or not JSON, is an error.
func TestReadStateFileKeys(t *testing.T) {
	t.Parallel()
	st, err := readStateFile([]byte(`{"version":4,"resources":[
	  {"mode":"managed","type":"terraform_data","name":"agent","instances":[{"index_key":0,"attributes":{"id":"x"}},{"index_key":1,"attributes":{"id":"y"}}]},
	  {"module":"module.m[\"a b\"]","mode":"managed","type":"coder_app","name":"app","instances":[{"index_key":"k\"1","attributes":{}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range managed(st.Values.RootModule) {
		got = append(got, r.Address)
	}
	want := []string{`module.m["a b"].coder_app.app["k\"1"]`, "terraform_data.agent[0]", "terraform_data.agent[1]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	for _, bad := range []string{``, `{}`, `{"version":3,"modules":[]}`, `{"version":4,"resources":[{"mode":"managed","type":"t","name":"n","instances":[{"index_key":true}]}]}`, `[`} {
		if _, err := readStateFile([]byte(bad)); err == nil {
			t.Errorf("readStateFile(%q): no error", bad)
		}
	}
}
