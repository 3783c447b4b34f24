package provisioner

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// FuzzParseAppsAndResources feeds arbitrary `terraform show -json` output
// to the readers of apps and metadata: they return an error or records,
// never panic, and a sensitive item never keeps its value.
func FuzzParseAppsAndResources(f *testing.F) {
	f.Add(appsShow)
	f.Add(showOutput)
	f.Add(`{"values":{"root_module":{"resources":[{"mode":"managed","type":"coder_metadata","values":{"resource_id":1,"item":"x"}}]}}}`)
	f.Fuzz(func(t *testing.T, show string) {
		var st tfjson.State
		st.UseJSONNumber(true)
		if err := json.Unmarshal([]byte(show), &st); err != nil {
			return
		}
		b := store.WorkspaceBuild{ID: uuid.New()}
		agents, err := parseAgents(&st, b, time.Now())
		if err == nil {
			_ = parseApps(&st, agents)
		}
		res, err := parseResources(&st, b, func(s string) string { return s })
		if err != nil {
			return
		}
		for _, r := range res {
			var items []sdk.ResourceMetadata
			if err := json.Unmarshal(r.Metadata, &items); err != nil {
				t.Fatalf("metadata of %s is not JSON: %v", r.Address, err)
			}
			for _, it := range items {
				if it.Sensitive && it.Value != "" {
					t.Fatalf("sensitive item %q kept its value", it.Key)
				}
			}
		}
	})
}

// FuzzReadStateFile feeds arbitrary bytes to the state file reader: an
// error or a state whose agents, apps and resources read without a panic.
func FuzzReadStateFile(f *testing.F) {
	f.Add(stateFileOutput)
	f.Add(`{"version":4,"resources":[{"mode":"managed","type":"coder_agent","name":"a","instances":[{"index_key":0,"attributes":{"token":1}}]}]}`)
	f.Fuzz(func(t *testing.T, file string) {
		st, err := readStateFile([]byte(file))
		if err != nil {
			return
		}
		b := store.WorkspaceBuild{ID: uuid.New()}
		if agents, err := parseAgents(st, b, time.Now()); err == nil {
			_ = parseApps(st, agents)
		}
		_, _ = parseResources(st, b, func(s string) string { return s })
	})
}
