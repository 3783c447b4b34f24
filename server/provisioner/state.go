package provisioner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/agenttoken"
	"github.com/usersecrets/coder/server/store"
)

type agentValues struct {
	ID            string            `json:"id"`
	Token         string            `json:"token"`
	OS            string            `json:"os"`
	Arch          string            `json:"arch"`
	Dir           string            `json:"dir"`
	MOTDFile      string            `json:"motd_file"`
	Env           map[string]string `json:"env"`
	StartupScript string            `json:"startup_script"`
	// StartupScriptBehavior "blocking" makes startup_script block logins;
	// ShutdownScript runs when the agent stops.
	StartupScriptBehavior string `json:"startup_script_behavior"`
	ShutdownScript        string `json:"shutdown_script"`
}

type envValues struct {
	AgentID       string `json:"agent_id"`
	Name          string `json:"name"`
	Value         string `json:"value"`
	MergeStrategy string `json:"merge_strategy"`
}

type scriptValues struct {
	AgentID          string  `json:"agent_id"`
	DisplayName      string  `json:"display_name"`
	Script           string  `json:"script"`
	RunOnStart       bool    `json:"run_on_start"`
	RunOnStop        bool    `json:"run_on_stop"`
	StartBlocksLogin bool    `json:"start_blocks_login"`
	Timeout          float64 `json:"timeout"`
	Cron             string  `json:"cron"`
	LogPath          string  `json:"log_path"`
}

// managed returns the managed resources of m and its child modules,
// sorted by address.
func managed(m *tfjson.StateModule) []*tfjson.StateResource {
	var out []*tfjson.StateResource
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		if m == nil {
			return
		}
		for _, r := range m.Resources {
			if r != nil && r.Mode == tfjson.ManagedResourceMode {
				out = append(out, r)
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(m)
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// decodeValues reads a resource's attribute values into v.
func decodeValues(r *tfjson.StateResource, v any) error {
	b, err := json.Marshal(r.AttributeValues)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", r.Address, err)
	}
	return nil
}

// parseAgents reads the coder_agent resources of an applied state (as
// `terraform show -json` gives it) with the
// coder_env and coder_script resources that point at each.
func parseAgents(st *tfjson.State, b store.WorkspaceBuild, now time.Time) ([]store.WorkspaceAgent, error) {
	if st == nil || st.Values == nil {
		return nil, nil
	}
	all := managed(st.Values.RootModule)

	type agentAcc struct {
		rec     store.WorkspaceAgent
		env     []sdk.EnvVar
		scripts []sdk.AgentScript
	}
	byID := map[string]*agentAcc{}
	var order []string
	for _, r := range all {
		if r.Type != "coder_agent" {
			continue
		}
		var v agentValues
		if err := decodeValues(r, &v); err != nil {
			return nil, err
		}
		if v.Token == "" {
			return nil, fmt.Errorf("%s has no token", r.Address)
		}
		acc := &agentAcc{rec: store.WorkspaceAgent{
			ID:             uuid.New(),
			BuildID:        b.ID,
			WorkspaceID:    b.WorkspaceID,
			Name:           r.Name,
			TokenHash:      agenttoken.Hash(v.Token),
			OS:             v.OS,
			Arch:           v.Arch,
			Directory:      v.Dir,
			MOTDFile:       v.MOTDFile,
			LifecycleState: sdk.LifecycleCreated,
			CreatedAt:      now,
		}}
		keys := make([]string, 0, len(v.Env))
		for k := range v.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			acc.env = append(acc.env, sdk.EnvVar{Name: k, Value: v.Env[k], MergeStrategy: sdk.MergeReplace, Source: "coder_agent"})
		}
		if strings.TrimSpace(v.StartupScript) != "" {
			acc.scripts = append(acc.scripts, sdk.AgentScript{DisplayName: "Startup Script", Script: v.StartupScript, RunOnStart: true,
				StartBlocksLogin: v.StartupScriptBehavior == "blocking"})
		}
		if strings.TrimSpace(v.ShutdownScript) != "" {
			acc.scripts = append(acc.scripts, sdk.AgentScript{DisplayName: "Shutdown Script", Script: v.ShutdownScript, RunOnStop: true})
		}
		byID[v.ID] = acc
		order = append(order, v.ID)
	}
	for _, r := range all {
		switch r.Type {
		case "coder_env":
			var v envValues
			if err := decodeValues(r, &v); err != nil {
				return nil, err
			}
			acc, ok := byID[v.AgentID]
			if !ok {
				continue
			}
			strategy := v.MergeStrategy
			if strategy == "" {
				strategy = sdk.MergeReplace
			}
			if strategy == sdk.MergeError {
				for _, e := range acc.env {
					if e.Name == v.Name {
						return nil, fmt.Errorf("%s sets %s with merge_strategy \"error\", but the agent's environment already sets it", r.Address, v.Name)
					}
				}
			}
			acc.env = append(acc.env, sdk.EnvVar{Name: v.Name, Value: v.Value, MergeStrategy: strategy, Source: "coder_env"})
		case "coder_script":
			var v scriptValues
			if err := decodeValues(r, &v); err != nil {
				return nil, err
			}
			acc, ok := byID[v.AgentID]
			if !ok {
				continue
			}
			acc.scripts = append(acc.scripts, sdk.AgentScript{
				DisplayName: v.DisplayName, Script: v.Script, RunOnStart: v.RunOnStart, RunOnStop: v.RunOnStop,
				StartBlocksLogin: v.StartBlocksLogin, TimeoutSeconds: int(v.Timeout), Cron: v.Cron, LogPath: v.LogPath,
			})
		}
	}
	out := make([]store.WorkspaceAgent, 0, len(order))
	for _, id := range order {
		acc := byID[id]
		var err error
		if acc.rec.Env, err = json.Marshal(nonNil(acc.env)); err != nil {
			return nil, err
		}
		if acc.rec.Scripts, err = json.Marshal(nonNil(acc.scripts)); err != nil {
			return nil, err
		}
		out = append(out, acc.rec)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// stateFile is the part of Terraform's state file (format version 4, that
// of Terraform 0.12 and later and of OpenTofu) the build reads.
type stateFile struct {
	Version   int `json:"version"`
	Resources []struct {
		Module    string `json:"module"`
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Provider  string `json:"provider"`
		Instances []struct {
			IndexKey      any            `json:"index_key"`
			SchemaVersion uint64         `json:"schema_version"`
			Deposed       string         `json:"deposed"`
			Attributes    map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// readStateFile reads the managed resources of the state file Terraform
// wrote (terraform.tfstate) in the form `terraform show -json` gives them,
// without running Terraform once more: every resource in the root module,
// its address with its module path and index key. Deposed objects (left
// over by a failed create-before-destroy) are not part of the state's
// resources, as in show. Data sources are left out: nothing reads them.
func readStateFile(b []byte) (*tfjson.State, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // as terraform-exec reads show's output
	var f stateFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read the state file: %w", err)
	}
	if f.Version != 4 {
		return nil, fmt.Errorf("read the state file: format version %d, not 4", f.Version)
	}
	root := &tfjson.StateModule{}
	for _, r := range f.Resources {
		if r.Mode != string(tfjson.ManagedResourceMode) {
			continue
		}
		base := r.Type + "." + r.Name
		if r.Module != "" {
			base = r.Module + "." + base
		}
		for _, in := range r.Instances {
			if in.Deposed != "" {
				continue
			}
			addr := base
			switch k := in.IndexKey.(type) {
			case nil:
			case json.Number:
				addr += "[" + k.String() + "]"
			case string:
				q, err := json.Marshal(k)
				if err != nil {
					return nil, err
				}
				addr += "[" + string(q) + "]"
			default:
				return nil, fmt.Errorf("read the state file: %s has an index key of type %T", base, k)
			}
			attrs := in.Attributes
			if attrs == nil {
				attrs = map[string]any{}
			}
			root.Resources = append(root.Resources, &tfjson.StateResource{
				Address: addr, Mode: tfjson.ManagedResourceMode, Type: r.Type, Name: r.Name,
				Index: in.IndexKey, ProviderName: providerName(r.Provider), SchemaVersion: in.SchemaVersion,
				AttributeValues: attrs,
			})
		}
	}
	return &tfjson.State{Values: &tfjson.StateValues{RootModule: root}}, nil
}

// providerName turns a state file's provider reference,
// provider["registry.terraform.io/coder/coder"] (with a module path or an
// alias around it), into the source address show gives.
func providerName(ref string) string {
	if _, rest, ok := strings.Cut(ref, `provider["`); ok {
		if name, _, ok := strings.Cut(rest, `"]`); ok {
			return name
		}
	}
	return ref
}
