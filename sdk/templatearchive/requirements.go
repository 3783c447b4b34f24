package templatearchive

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/usersecrets/coder/sdk"
)

// Requirements finds the coder_secret data sources in the archive's root
// module (its top-level .tf and .tf.json files). Only literal attribute
// values can be read without Terraform: a requirement whose env, file or
// help_message is an expression, or whose block has count or for_each (it
// may not apply), is left out here; the provider still checks it when the
// start build runs. A file that does not parse is an error: Terraform
// would refuse it too.
func Requirements(archive []byte) ([]sdk.SecretRequirement, error) {
	files, _, err := Read(archive)
	if err != nil {
		return nil, err
	}
	p := hclparse.NewParser()
	var out []sdk.SecretRequirement
	for _, f := range files {
		if strings.Contains(f.Name, "/") {
			continue
		}
		if !strings.HasSuffix(f.Name, ".tf") && !strings.HasSuffix(f.Name, ".tf.json") {
			continue
		}
		// Before any parser sees it: the parsers recurse per level of
		// nesting, and running out of stack kills the whole server.
		if err := checkConfigFile(f); err != nil {
			return nil, err
		}
		var file *hcl.File
		var diags hcl.Diagnostics
		switch {
		case strings.HasSuffix(f.Name, ".tf"):
			file, diags = p.ParseHCL(f.Data, f.Name)
		case strings.HasSuffix(f.Name, ".tf.json"):
			file, diags = p.ParseJSON(f.Data, f.Name)
		default:
			continue
		}
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", path.Base(f.Name), diags.Error())
		}
		content, _, diags := file.Body.PartialContent(&hcl.BodySchema{
			Blocks: []hcl.BlockHeaderSchema{{Type: "data", LabelNames: []string{"type", "name"}}},
		})
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f.Name, diags.Error())
		}
		for _, b := range content.Blocks {
			if b.Labels[0] != "coder_secret" {
				continue
			}
			attrs, _ := b.Body.JustAttributes()
			if _, counted := attrs["count"]; counted {
				continue
			}
			if _, each := attrs["for_each"]; each {
				continue
			}
			r := sdk.SecretRequirement{}
			ok := true
			for name, dst := range map[string]*string{"env": &r.EnvName, "file": &r.FilePath, "help_message": &r.HelpMessage} {
				a, present := attrs[name]
				if !present {
					continue
				}
				v, d := a.Expr.Value(nil)
				if d.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
					ok = false
					continue
				}
				*dst = v.AsString()
			}
			if ok && (r.EnvName != "") != (r.FilePath != "") {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EnvName != out[j].EnvName {
			return out[i].EnvName < out[j].EnvName
		}
		return out[i].FilePath < out[j].FilePath
	})
	return out, nil
}

// EncodeRequirements and DecodeRequirements keep requirements in the store.
func EncodeRequirements(r []sdk.SecretRequirement) []byte {
	if r == nil {
		r = []sdk.SecretRequirement{}
	}
	b, _ := json.Marshal(r)
	return b
}

// DecodeRequirements reverses EncodeRequirements; nil or bad input is none.
func DecodeRequirements(b []byte) []sdk.SecretRequirement {
	var r []sdk.SecretRequirement
	if len(b) > 0 {
		_ = json.Unmarshal(b, &r)
	}
	return r
}
