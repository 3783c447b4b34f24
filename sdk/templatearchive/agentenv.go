package templatearchive

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/usersecrets/coder/sdk"
)

// AgentEnv reads, without Terraform, the template env of the first
// coder_agent (by name) of the archive's root module: the literal keys of
// its env (source "coder_agent", sorted), then the literal names of the
// coder_env resources whose agent_id refers to it (source "coder_env",
// by resource name), with their merge strategies; values are left out.
// A coder_env with count or for_each, or a name that is an expression, is
// not seen. goos is the agent's literal os ("linux" when not literal).
// A file that does not parse is an error.
func AgentEnv(archive []byte) (env []sdk.EnvVar, goos string, err error) {
	files, _, err := Read(archive)
	if err != nil {
		return nil, "", err
	}
	type agent struct {
		name string
		body hcl.Body
	}
	type envBlock struct {
		name string
		body hcl.Body
	}
	var agents []agent
	var envs []envBlock
	p := hclparse.NewParser()
	for _, f := range files {
		if strings.Contains(f.Name, "/") {
			continue
		}
		var file *hcl.File
		var diags hcl.Diagnostics
		switch {
		case strings.HasSuffix(f.Name, ".tf"):
			if err := checkConfigFile(f); err != nil {
				return nil, "", err
			}
			file, diags = p.ParseHCL(f.Data, f.Name)
		case strings.HasSuffix(f.Name, ".tf.json"):
			if err := checkConfigFile(f); err != nil {
				return nil, "", err
			}
			file, diags = p.ParseJSON(f.Data, f.Name)
		default:
			continue
		}
		if diags.HasErrors() {
			return nil, "", fmt.Errorf("parse %s: %s", path.Base(f.Name), diags.Error())
		}
		content, _, diags := file.Body.PartialContent(&hcl.BodySchema{
			Blocks: []hcl.BlockHeaderSchema{{Type: "resource", LabelNames: []string{"type", "name"}}},
		})
		if diags.HasErrors() {
			return nil, "", fmt.Errorf("read %s: %s", f.Name, diags.Error())
		}
		for _, b := range content.Blocks {
			switch b.Labels[0] {
			case "coder_agent":
				agents = append(agents, agent{b.Labels[1], b.Body})
			case "coder_env":
				envs = append(envs, envBlock{b.Labels[1], b.Body})
			}
		}
	}
	goos = "linux"
	env = []sdk.EnvVar{}
	if len(agents) == 0 {
		return env, goos, nil
	}
	sort.SliceStable(agents, func(i, j int) bool { return agents[i].name < agents[j].name })
	main := agents[0]
	attrs, _ := main.body.JustAttributes()
	if a, ok := attrs["os"]; ok {
		if v, ok := literalString(a.Expr); ok && v != "" {
			goos = v
		}
	}
	if a, ok := attrs["env"]; ok {
		pairs, diags := hcl.ExprMap(a.Expr)
		if !diags.HasErrors() {
			var keys []string
			for _, kv := range pairs {
				if k, ok := literalString(kv.Key); ok {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				env = append(env, sdk.EnvVar{Name: k, MergeStrategy: sdk.MergeReplace, Source: "coder_agent"})
			}
		}
	}
	sort.SliceStable(envs, func(i, j int) bool { return envs[i].name < envs[j].name })
	for _, e := range envs {
		attrs, _ := e.body.JustAttributes()
		if _, counted := attrs["count"]; counted {
			continue
		}
		if _, each := attrs["for_each"]; each {
			continue
		}
		ref, ok := attrs["agent_id"]
		if !ok || !refersTo(ref.Expr, "coder_agent", main.name) {
			continue
		}
		n, ok := attrs["name"]
		if !ok {
			continue
		}
		name, ok := literalString(n.Expr)
		if !ok || name == "" {
			continue
		}
		strategy := sdk.MergeReplace
		if m, ok := attrs["merge_strategy"]; ok {
			if v, ok := literalString(m.Expr); ok && v != "" {
				strategy = v
			}
		}
		env = append(env, sdk.EnvVar{Name: name, MergeStrategy: strategy, Source: "coder_env"})
	}
	return env, goos, nil
}

// literalString is the value of an expression that needs no variable.
func literalString(e hcl.Expression) (string, bool) {
	v, d := e.Value(nil)
	if d.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// refersTo says whether e refers to the resource typ.name.
func refersTo(e hcl.Expression, typ, name string) bool {
	for _, tr := range e.Variables() {
		if tr.RootName() != typ || len(tr) < 2 {
			continue
		}
		if a, ok := tr[1].(hcl.TraverseAttr); ok && a.Name == name {
			return true
		}
	}
	return false
}
