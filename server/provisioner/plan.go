package provisioner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/buildenv"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/store"
)

// VersionPlan is what PlanVersion learnt of a template version.
type VersionPlan struct {
	Info sdk.TemplateVersionInfo
	// Requirements are the coder_secret data sources the plan read, those
	// made with count or for_each included.
	Requirements []sdk.SecretRequirement
}

// PlanError is a version that does not plan: Message is Terraform's error
// (its "Error:" lines), redacted of the sensitive variables' values.
type PlanError struct{ Message string }

func (e *PlanError) Error() string { return e.Message }

// PlanVersion runs `terraform init` and `terraform plan` of a template
// archive as a template import does: no workspace build (no build id, so
// coder_secret reads "" without an error and coder_parameter its default;
// buildenv.TemplateImport lets one without a default read "" unchecked),
// no secrets, nothing applied. vars are the template variables' values,
// given to Terraform as TF_VAR_<name>; an unknown name, or a variable
// without a default and without a value, is refused. A version that does
// not plan is a *PlanError.
func (p *Provisioner) PlanVersion(ctx context.Context, archive []byte, vars map[string]string) (VersionPlan, error) {
	dir, err := os.MkdirTemp(p.dir, "plan-")
	if err != nil {
		return VersionPlan{}, fmt.Errorf("create the plan folder: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return VersionPlan{}, fmt.Errorf("protect the plan folder: %w", err)
	}
	if err := templatearchive.Extract(archive, dir); err != nil {
		return VersionPlan{}, &PlanError{Message: "extract the template: " + err.Error()}
	}
	if _, err := tfmirror.StripLockFile(dir); err != nil {
		return VersionPlan{}, fmt.Errorf("prepare the lock file: %w", err)
	}
	sensitive := make([]sdk.SecretValue, 0, len(vars))
	for _, v := range vars {
		sensitive = append(sensitive, sdk.SecretValue(v))
	}
	j := &job{p: p, dir: dir, redactor: redact.New(sensitive)}
	j.env = importEnv(p.o.BaseEnv, p.mirror, p.o.ExtraEnv, vars)
	if j.tf, err = j.newTerraform(); err != nil {
		return VersionPlan{}, fmt.Errorf("prepare terraform: %w", err)
	}
	// One buffer per stream: terraform-exec writes each from its own
	// goroutine, and a value wrapped over lines of one is masked only when
	// no line of the other comes between them.
	var out, errOut strings.Builder
	j.tf.SetStdout(&out)
	j.tf.SetStderr(&errOut)
	fail := func(cmd string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lines := append(strings.Split(j.redactor.String(out.String()), "\n"),
			strings.Split(j.redactor.String(errOut.String()), "\n")...)
		msg := summarize(lines)
		if msg == "" {
			msg = j.redactor.String(err.Error())
		}
		return &PlanError{Message: fmt.Sprintf("terraform %s failed: %s", cmd, msg)}
	}
	if err := j.tf.Init(ctx); err != nil {
		return VersionPlan{}, fail("init", err)
	}
	out.Reset()
	errOut.Reset()
	if _, err := j.tf.Plan(ctx, tfexec.Out("import.tfplan")); err != nil {
		return VersionPlan{}, fail("plan", err)
	}
	j.tf.SetStdout(nil)
	j.tf.SetStderr(nil)
	plan, err := j.tf.ShowPlanFile(ctx, "import.tfplan")
	if err != nil {
		return VersionPlan{}, fmt.Errorf("read the plan: %s", j.redactor.String(err.Error()))
	}
	vp, err := readPlan(plan)
	if err != nil {
		return VersionPlan{}, err
	}
	for name := range vars {
		if !hasVariable(vp.Info.Variables, name) {
			return VersionPlan{}, &PlanError{Message: fmt.Sprintf("the template has no variable %q", name)}
		}
	}
	return vp, nil
}

func hasVariable(vs []sdk.TemplateVariable, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}

// importEnv is the environment of an import plan: the server's own without
// CODER_* and TF_* variables, the mirror's settings, the extra variables
// and the template variables.
func importEnv(base []string, mirror *tfmirror.Mirror, extra []string, vars map[string]string) []string {
	var env []string
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "CODER_") || upper == "CODER" || strings.HasPrefix(upper, "TF_") {
			continue
		}
		env = append(env, kv)
	}
	if mirror != nil {
		env = append(env, mirror.Env()...)
	}
	env = append(env, extra...)
	env = append(env, buildenv.TemplateImport+"=true")
	return append(env, BuildVariables(vars)...)
}

// BuildVariables are the TF_VAR_ variables that give a build its template
// variables' values.
func BuildVariables(vars map[string]string) []string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, k := range names {
		out = append(out, "TF_VAR_"+k+"="+vars[k])
	}
	return out
}

type parameterValues struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	FormType    string `json:"form_type"`
	Mutable     bool   `json:"mutable"`
	Ephemeral   bool   `json:"ephemeral"`
	Optional    bool   `json:"optional"`
	Default     string `json:"default"`
	Icon        string `json:"icon"`
	Order       int64  `json:"order"`
	Option      []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Value       string `json:"value"`
		Icon        string `json:"icon"`
	} `json:"option"`
	Validation []struct {
		Min         int64  `json:"min"`
		MinDisabled bool   `json:"min_disabled"`
		Max         int64  `json:"max"`
		MaxDisabled bool   `json:"max_disabled"`
		Monotonic   string `json:"monotonic"`
		Regex       string `json:"regex"`
		Error       string `json:"error"`
	} `json:"validation"`
}

type presetValues struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Default     bool              `json:"default"`
	Parameters  map[string]string `json:"parameters"`
}

type secretValues struct {
	Env         string `json:"env"`
	File        string `json:"file"`
	HelpMessage string `json:"help_message"`
}

// readPlan reads the data sources the plan read (its prior state) and the
// root module's variables.
func readPlan(plan *tfjson.Plan) (VersionPlan, error) {
	vp := VersionPlan{Info: sdk.TemplateVersionInfo{Planned: true,
		Parameters: []sdk.TemplateParameter{}, Presets: []sdk.TemplatePreset{}, Variables: []sdk.TemplateVariable{}}}
	var data []*tfjson.StateResource
	if plan.PriorState != nil && plan.PriorState.Values != nil {
		var walk func(m *tfjson.StateModule)
		walk = func(m *tfjson.StateModule) {
			if m == nil {
				return
			}
			for _, r := range m.Resources {
				if r != nil && r.Mode == tfjson.DataResourceMode {
					data = append(data, r)
				}
			}
			for _, c := range m.ChildModules {
				walk(c)
			}
		}
		walk(plan.PriorState.Values.RootModule)
	}
	sort.Slice(data, func(i, j int) bool { return data[i].Address < data[j].Address })
	seenParam, seenReq := map[string]bool{}, map[string]bool{}
	for _, r := range data {
		switch r.Type {
		case "coder_parameter":
			var v parameterValues
			if err := decodeValues(r, &v); err != nil {
				return vp, fmt.Errorf("read %s: %w", r.Address, err)
			}
			if seenParam[v.Name] {
				return vp, &PlanError{Message: fmt.Sprintf("two coder_parameter data sources are named %q", v.Name)}
			}
			seenParam[v.Name] = true
			vp.Info.Parameters = append(vp.Info.Parameters, v.toSDK())
		case "coder_workspace_preset":
			var v presetValues
			if err := decodeValues(r, &v); err != nil {
				return vp, fmt.Errorf("read %s: %w", r.Address, err)
			}
			if v.Parameters == nil {
				v.Parameters = map[string]string{}
			}
			vp.Info.Presets = append(vp.Info.Presets, sdk.TemplatePreset(v))
		case "coder_secret":
			var v secretValues
			if err := decodeValues(r, &v); err != nil {
				return vp, fmt.Errorf("read %s: %w", r.Address, err)
			}
			req := sdk.SecretRequirement{EnvName: v.Env, FilePath: v.File, HelpMessage: v.HelpMessage}
			if err := req.Validate(); err != nil {
				return vp, &PlanError{Message: fmt.Sprintf("invalid coder_secret %s: %v", r.Address, err)}
			}
			if !seenReq[req.ID()] {
				seenReq[req.ID()] = true
				vp.Requirements = append(vp.Requirements, req)
			}
		}
	}
	sdk.SortParameters(vp.Info.Parameters)
	for _, pr := range vp.Info.Presets {
		for name := range pr.Parameters {
			if !seenParam[name] {
				return vp, &PlanError{Message: fmt.Sprintf("preset %q sets %q, which is not a coder_parameter of the template", pr.Name, name)}
			}
		}
	}
	sort.Slice(vp.Requirements, func(i, j int) bool { return vp.Requirements[i].ID() < vp.Requirements[j].ID() })
	if plan.Config != nil && plan.Config.RootModule != nil {
		for name, cv := range plan.Config.RootModule.Variables {
			if cv == nil {
				continue
			}
			tv := sdk.TemplateVariable{Name: name, Description: cv.Description, Sensitive: cv.Sensitive, Required: cv.Default == nil}
			if cv.Default != nil && !cv.Sensitive {
				b, err := json.Marshal(cv.Default)
				if err != nil {
					return vp, errors.New("read the default of variable " + name)
				}
				tv.Default = string(b)
			}
			vp.Info.Variables = append(vp.Info.Variables, tv)
		}
	}
	sort.Slice(vp.Info.Variables, func(i, j int) bool { return vp.Info.Variables[i].Name < vp.Info.Variables[j].Name })
	return vp, nil
}

func (v parameterValues) toSDK() sdk.TemplateParameter {
	p := sdk.TemplateParameter{
		Name: v.Name, DisplayName: v.DisplayName, Description: v.Description, Type: v.Type, FormType: v.FormType,
		Mutable: v.Mutable, Ephemeral: v.Ephemeral, Required: !v.Optional, Default: v.Default, Icon: v.Icon, Order: v.Order,
	}
	if p.Type == "" {
		p.Type = sdk.ParameterString
	}
	for _, o := range v.Option {
		p.Options = append(p.Options, sdk.ParameterOption{Name: o.Name, Description: o.Description, Value: o.Value, Icon: o.Icon})
	}
	if len(v.Validation) > 0 {
		b := v.Validation[0]
		pv := &sdk.ParameterValidation{Monotonic: b.Monotonic, Regex: b.Regex, Error: b.Error}
		if !b.MinDisabled {
			lo := b.Min
			pv.Min = &lo
		}
		if !b.MaxDisabled {
			hi := b.Max
			pv.Max = &hi
		}
		p.Validation = pv
	}
	return p
}

// buildInputs returns the variables giving a build its parameter values
// (buildenv.Parameter and ParameterPrevious) and its version's template
// variables (TF_VAR_<name>), and the variables' values, which the build's
// log redacts.
func (j *job) buildInputs(ctx context.Context) (env []string, sensitive []sdk.SecretValue, err error) {
	bp, err := j.p.ws.GetBuildParameters(ctx, j.build.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("load the build's parameters: %w", err)
	}
	for _, set := range []struct {
		raw  []byte
		name func(string) string
	}{{bp.Values, buildenv.Parameter}, {bp.Previous, buildenv.ParameterPrevious}} {
		if len(set.raw) == 0 {
			continue
		}
		var values []sdk.BuildParameter
		if err := json.Unmarshal(set.raw, &values); err != nil {
			return nil, nil, fmt.Errorf("decode the build's parameters: %w", err)
		}
		for _, v := range values {
			env = append(env, set.name(v.Name)+"="+v.Value)
		}
	}
	plan, err := j.p.ws.GetVersionPlan(ctx, j.version.ID)
	if errors.Is(err, store.ErrNotFound) {
		return env, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load the version's plan: %w", err)
	}
	if plan.VariablesErr != nil {
		return nil, nil, fmt.Errorf("open the template's variables: %w", plan.VariablesErr)
	}
	if len(plan.Variables) == 0 {
		return env, nil, nil
	}
	var vars map[string]string
	if err := json.Unmarshal(plan.Variables, &vars); err != nil {
		return nil, nil, fmt.Errorf("decode the template's variables: %w", err)
	}
	for _, v := range vars {
		sensitive = append(sensitive, sdk.SecretValue(v))
	}
	return append(env, BuildVariables(vars)...), sensitive, nil
}
