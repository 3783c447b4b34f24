package provider_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/provider/internal/tftest"
	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// TestDifferential runs the same templates, under the same environment,
// through this provider and through the reference (terraform-provider-coder
// v2.20.0, see tftest.ReferenceProvider) with real terraform and tofu
// binaries, and compares what Terraform shows of every coder_* object: the
// schemas, the plans (actions and planned values), the states after apply
// (`show -json`), and the diagnostics of invalid configurations and values.
// Random IDs and tokens are compared by position only (see normalizer).
// Every difference fails the test, except the extensions listed in
// ourExtensions, which docs/ describes.
func TestDifferential(t *testing.T) {
	tools := []struct {
		name string
		find func(testing.TB) tftest.Tool
	}{
		{"terraform", tftest.Terraform},
		{"tofu", tftest.Tofu},
	}
	// Build both mirrors only when some tool can use them, here: they live
	// as long as the whole test.
	var ours, ref *tfmirror.Mirror
	for _, tool := range []string{"terraform", "tofu"} {
		if _, err := tftest.Find(tool, os.Getenv(map[string]string{"terraform": "TF_ACC_TERRAFORM_PATH", "tofu": "TF_ACC_TOFU_PATH"}[tool])); err != nil {
			continue
		}
		refExe := tftest.ReferenceProvider(t)
		ours = tftest.NewMirror(t, tftest.ProviderBinary(t))
		m, err := tfmirror.Setup(tfmirror.Options{Dir: t.TempDir(), Executable: refExe, Versions: []string{tftest.ReferenceVersion}})
		if err != nil {
			t.Fatalf("set up the reference mirror: %v", err)
		}
		ref = m
		break
	}
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			t.Parallel()
			tl := tool.find(t)
			t.Logf("using %s (%s)", tl.Path, tl.Version)
			d := differential{tool: tl, ours: ours, ref: ref}
			t.Run("schemas", d.testSchemas)
			t.Run("builds", d.testBuilds)
			t.Run("invalid values", d.testInvalid)
		})
	}
}

// ourExtensions are the attributes this provider has and the reference
// lacks, by type (docs/ describes each). The data source coder_secret is
// ours too, and not compared.
var ourExtensions = map[string][]string{
	"coder_workspace_owner": {"oidc_id_token"},
}

type differential struct {
	tool      tftest.Tool
	ours, ref *tfmirror.Mirror
}

// pair is one configuration in two working directories, one per provider.
type pair struct {
	ours, ref *tftest.Workdir
}

func (d differential) pair(t *testing.T, src string, files map[string]string) pair {
	t.Helper()
	return pair{
		ours: tftest.NewWorkdir(t, d.tool, d.ours, src, files),
		ref:  tftest.NewWorkdir(t, d.tool, d.ref, src, files),
	}
}

// both runs a command in both directories; it fails the test when either
// fails.
func (p pair) both(t *testing.T, env map[string]string, args ...string) {
	t.Helper()
	p.ours.MustRun(t, env, args...)
	p.ref.MustRun(t, env, args...)
}

func (p pair) addSecrets(values ...string) {
	p.ours.AddSecrets(values...)
	p.ref.AddSecrets(values...)
}

// showJSON runs `show -json [file]` in w; the output holds secrets and is
// never logged.
func showJSON(t *testing.T, w *tftest.Workdir, file ...string) map[string]any {
	t.Helper()
	r := w.RunSensitive(t, nil, append([]string{"show", "-json", "-no-color"}, file...)...)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("decode show -json (content withheld): %v", err)
	}
	return doc
}

func (d differential) testSchemas(t *testing.T) {
	t.Parallel()
	p := d.pair(t, "testdata/differential/schema", nil)
	p.both(t, nil, initArgs...)
	schemas := func(w *tftest.Workdir) map[string]map[string]string {
		r := w.RunSensitive(t, nil, "providers", "schema", "-json")
		var doc struct {
			Schemas map[string]struct {
				Resources   map[string]schemaDoc `json:"resource_schemas"`
				DataSources map[string]schemaDoc `json:"data_source_schemas"`
			} `json:"provider_schemas"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("decode providers schema -json: %v", err)
		}
		out := map[string]map[string]string{}
		for _, s := range doc.Schemas {
			for name, sch := range s.Resources {
				out["resource "+name] = sch.flags()
			}
			for name, sch := range s.DataSources {
				out["data "+name] = sch.flags()
			}
		}
		return out
	}
	got, want := schemas(p.ours), schemas(p.ref)
	checkCoverage(t, want)
	if _, ok := got["data coder_secret"]; !ok {
		t.Errorf("schemas: got no data coder_secret, want ours")
	}
	delete(got, "data coder_secret")
	for typ, attrs := range ourExtensions {
		for _, a := range attrs {
			for _, kind := range []string{"resource ", "data "} {
				delete(got[kind+typ], a)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schemas (-reference +ours):\n%s", diff)
	}
}

// checkCoverage fails the test when the differential templates miss a
// type of the reference, or an argument or block name of one (a check by
// name: the templates must at least say it somewhere).
func checkCoverage(t *testing.T, schemas map[string]map[string]string) {
	t.Helper()
	b, err := os.ReadFile("testdata/differential/all/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for typ, flags := range schemas {
		kind, name, _ := strings.Cut(typ, " ")
		if kind == "data" && !strings.Contains(src, "data \""+name+"\"") ||
			kind == "resource" && !strings.Contains(src, "resource \""+name+"\"") {
			t.Errorf("testdata/differential/all: no %s, want every type of the reference", typ)
			continue
		}
		for p, f := range flags {
			if strings.HasPrefix(p, "(") || strings.Contains(f, "optional=false") && !strings.HasPrefix(f, "block") && !strings.Contains(f, "required=true") {
				continue // computed only
			}
			arg := p[strings.LastIndex(p, ".")+1:]
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(arg) + `\s*[={]`).MatchString(src) {
				t.Errorf("testdata/differential/all: no argument or block %q (%s.%s), want each one used", arg, typ, p)
			}
		}
	}
}

// schemaDoc is one schema of `providers schema -json`.
type schemaDoc struct {
	Version int64    `json:"version"`
	Block   blockDoc `json:"block"`
}

type blockDoc struct {
	Attributes map[string]struct {
		Type       json.RawMessage `json:"type"`
		Required   bool            `json:"required"`
		Optional   bool            `json:"optional"`
		Computed   bool            `json:"computed"`
		Sensitive  bool            `json:"sensitive"`
		Deprecated bool            `json:"deprecated"`
	} `json:"attributes"`
	BlockTypes map[string]struct {
		NestingMode string   `json:"nesting_mode"`
		MinItems    int      `json:"min_items"`
		MaxItems    int      `json:"max_items"`
		Block       blockDoc `json:"block"`
	} `json:"block_types"`
	Deprecated bool `json:"deprecated"`
}

// flags describes a schema without its descriptions: each attribute's type
// and flags, each block's nesting and limits.
func (s schemaDoc) flags() map[string]string {
	out := map[string]string{"(version)": fmt.Sprint(s.Version)}
	if s.Block.Deprecated {
		out["(deprecated)"] = "true"
	}
	var walk func(prefix string, b blockDoc)
	walk = func(prefix string, b blockDoc) {
		for name, a := range b.Attributes {
			out[prefix+name] = fmt.Sprintf("%s required=%v optional=%v computed=%v sensitive=%v deprecated=%v",
				a.Type, a.Required, a.Optional, a.Computed, a.Sensitive, a.Deprecated)
		}
		for name, nb := range b.BlockTypes {
			out[prefix+name] = fmt.Sprintf("block %s min=%d max=%d", nb.NestingMode, nb.MinItems, nb.MaxItems)
			walk(prefix+name+".", nb.Block)
		}
	}
	walk("", s.Block)
	return out
}

// A build of the differential templates: its transition and what the
// environment holds besides the build's details.
type build struct {
	name       string
	transition string
	params     map[string]string // parameter name to value
	previous   map[string]string // previous values
	extra      map[string]string // other variables
	// local is a template author's plan: no build variables but the
	// access URL (whose default differs: see the provider's url).
	local bool
}

func (d differential) testBuilds(t *testing.T) {
	t.Parallel()
	githubToken, session, sshKey := randomString(), randomString(), randomString()
	// A claimed prebuilt workspace's agent keeps its running token.
	agentToken := "0e9d6b1c-2f4a-4e8b-9c3d-5a6b7c8d9e0f"
	const taskID = "3f0b7e52-6f1f-4c6e-9a55-0f6a2b1c9d8e"
	builds := []build{
		{
			name: "start with every parameter given", transition: "start",
			params: map[string]string{
				"region": "us", "cpu": "4", "disk": "50", "dotfiles": "https://github.com/alice/dotfiles",
				"debug": "true", "ides": `["vscode","jetbrains"]`, "tags": `["a","b"]`, "project": "alpha",
			},
			previous: map[string]string{"cpu": "2"},
			extra: map[string]string{
				buildenv.ExternalAuthAccessToken("github"): githubToken,
				"CODER_TASK_ID":                         taskID,
				"CODER_TASK_PROMPT":                     "Fix the tests.",
				"CODER_WORKSPACE_OWNER_SESSION_TOKEN":   session,
				"CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY": sshKey,
				"CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY":  "ssh-ed25519 AAAA alice",
				"CODER_WORKSPACE_IS_PREBUILD_CLAIM":     "true",
				buildenv.RunningAgentToken(""):          agentToken,
			},
		},
		{
			name: "start again, nothing changed", transition: "start",
			params: map[string]string{
				"region": "us", "cpu": "4", "disk": "50", "dotfiles": "https://github.com/alice/dotfiles",
				"debug": "true", "ides": `["vscode","jetbrains"]`, "tags": `["a","b"]`, "project": "alpha",
			},
			previous: map[string]string{"cpu": "4"},
			extra: map[string]string{
				buildenv.ExternalAuthAccessToken("github"): githubToken,
				"CODER_TASK_ID":                         taskID,
				"CODER_TASK_PROMPT":                     "Fix the tests.",
				"CODER_WORKSPACE_OWNER_SESSION_TOKEN":   session,
				"CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY": sshKey,
				"CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY":  "ssh-ed25519 AAAA alice",
				"CODER_WORKSPACE_IS_PREBUILD_CLAIM":     "true",
				buildenv.RunningAgentToken(""):          agentToken,
			},
		},
		{name: "start with no parameter given", transition: "start", extra: map[string]string{"CODER_WORKSPACE_IS_PREBUILD": "TRUE"}},
		{name: "stop", transition: "stop", params: map[string]string{"region": "eu", "project": ""}},
		{name: "start with empty values", transition: "start", params: map[string]string{"dotfiles": "", "project": "", "tags": "[]"}},
		{name: "delete", transition: "delete"},
		{name: "a local plan and apply, without build variables", local: true, params: map[string]string{"project": "p"}},
	}
	p := d.pair(t, "testdata/differential/all", nil)
	p.addSecrets(githubToken, session, sshKey, agentToken)
	p.both(t, nil, initArgs...)
	for _, b := range builds {
		env := buildEnv(b.transition)
		env["CODER_AGENT_SCRIPT_linux_arm64"] = agentScript
		if b.local {
			env = map[string]string{"CODER_AGENT_URL": accessURL}
		}
		for name, v := range b.params {
			env[buildenv.Parameter(name)] = v
		}
		for name, v := range b.previous {
			env[buildenv.ParameterPrevious(name)] = v
		}
		maps.Copy(env, b.extra)
		plan := planArgs
		if b.transition == "delete" {
			plan = []string{"plan", "-input=false", "-no-color", "-destroy", "-out=tfplan"}
		}
		p.both(t, env, plan...)
		d.compareDocs(t, b.name+": plan", showJSON(t, p.ours, "tfplan"), showJSON(t, p.ref, "tfplan"), p)
		p.both(t, env, applyArgs...)
		ours, ref := showJSON(t, p.ours), showJSON(t, p.ref)
		d.compareDocs(t, b.name+": state", ours, ref, p)
		if b.extra[buildenv.RunningAgentToken("")] != "" {
			for name, doc := range map[string]map[string]any{"ours": ours, "reference": ref} {
				if agentTokenOf(doc, "coder_agent.main") != agentToken {
					t.Errorf("%s: %s agent token: got another, want the running agent's (values withheld)", b.name, name)
				}
			}
		}
	}
}

// agentTokenOf returns the token of the agent at addr in a state.
func agentTokenOf(doc map[string]any, addr string) string {
	obj, _ := coderObjects(doc)[addr].(map[string]any)
	vals, _ := obj["values"].(map[string]any)
	token, _ := vals["token"].(string)
	return token
}

// compareDocs compares the coder_* objects of two `show -json` documents,
// states or plans.
func (d differential) compareDocs(t *testing.T, what string, ours, ref map[string]any, p pair) {
	t.Helper()
	n := newNormalizer(ours, ref)
	got, want := coderObjects(ours), coderObjects(ref)
	for _, typ := range []string{"data.coder_secret."} {
		for addr := range got {
			if strings.HasPrefix(addr, typ) {
				delete(got, addr)
			}
		}
	}
	for typ, attrs := range ourExtensions {
		for addr, obj := range got {
			if strings.Contains(addr, typ+".") {
				stripAttrs(obj, attrs)
			}
		}
	}
	if len(want) == 0 && !strings.Contains(what, "delete") {
		t.Errorf("%s: the reference shows no coder_* object, want some", what)
	}
	if diff := cmp.Diff(n.apply(want), n.apply(got)); diff != "" {
		// Values of sensitive attributes are registered secrets: redact.
		t.Errorf("%s (-reference +ours):\n%s", what, p.ours.Redact(p.ref.Redact(diff)))
	}
}

// stripAttrs removes an extension's attributes wherever obj holds values.
func stripAttrs(obj any, attrs []string) {
	m, ok := obj.(map[string]any)
	if !ok {
		return
	}
	for k, v := range m {
		if vm, ok := v.(map[string]any); ok {
			for _, a := range attrs {
				delete(vm, a)
			}
		}
		_ = k
	}
}

// coderObjects returns the coder_* resources of a state, or the coder_*
// resource changes and planned values of a plan, by address.
func coderObjects(doc map[string]any) map[string]any {
	out := map[string]any{}
	add := func(prefix string, list any) {
		items, _ := list.([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			typ, _ := m["type"].(string)
			if !strings.HasPrefix(typ, "coder_") {
				continue
			}
			addr, _ := m["address"].(string)
			out[prefix+addr] = m
		}
	}
	for _, key := range []string{"values", "planned_values", "prior_state"} {
		v, _ := doc[key].(map[string]any)
		if key == "prior_state" {
			v, _ = v["values"].(map[string]any)
		}
		root, _ := v["root_module"].(map[string]any)
		prefix := ""
		if key != "values" {
			prefix = key + " "
		}
		add(prefix, root["resources"])
	}
	changes, _ := doc["resource_changes"].([]any)
	var kept []any
	for _, c := range changes {
		m, _ := c.(map[string]any)
		if typ, _ := m["type"].(string); strings.HasPrefix(typ, "coder_") {
			kept = append(kept, m)
		}
	}
	add("change ", kept)
	return out
}

// normalizer replaces values that are random by nature (IDs, tokens) with
// a name for their place, so that two documents compare equal when their
// random values stand in the same places: agent_id holds the id of the
// same agent in both, say.
type normalizer struct {
	names map[string]string // random value to its name
}

var uuidLike = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// newNormalizer names every id, token and subagent_id of every resource
// (any provider's) that differs between the two documents.
func newNormalizer(ours, ref map[string]any) normalizer {
	n := normalizer{names: map[string]string{}}
	collect := func(doc map[string]any) map[string]map[string]string {
		out := map[string]map[string]string{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if addr, ok := v["address"].(string); ok {
					if vals, ok := v["values"].(map[string]any); ok {
						record(out, addr, vals)
					}
					if ch, ok := v["change"].(map[string]any); ok {
						for _, key := range []string{"before", "after"} {
							if vals, ok := ch[key].(map[string]any); ok {
								record(out, addr, vals)
							}
						}
					}
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
		return out
	}
	o, r := collect(ours), collect(ref)
	for addr, ov := range o {
		rv := r[addr]
		for key, a := range ov {
			if b := rv[key]; a != b {
				name := "<" + key + " of " + addr + ">"
				n.names[a], n.names[b] = name, name
			}
		}
	}
	return n
}

// record keeps the random-looking values of one object.
func record(out map[string]map[string]string, addr string, vals map[string]any) {
	for _, key := range []string{"id", "subagent_id"} {
		s, ok := vals[key].(string)
		if !ok || s == "" {
			continue
		}
		if key == "id" && !uuidLike.MatchString(s) && !strings.Contains(addr, "terraform_data") {
			continue
		}
		if out[addr] == nil {
			out[addr] = map[string]string{}
		}
		out[addr][key] = s
	}
}

// apply returns v with every named value replaced by its name, and every
// token replaced by the name of its place: tokens are random (v2 makes a
// new one at every refresh), and only their places are compared.
func (n normalizer) apply(v any) any { return n.applyAt(v, "") }

func (n normalizer) applyAt(v any, addr string) any {
	switch v := v.(type) {
	case map[string]any:
		if a, ok := v["address"].(string); ok {
			addr = a
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			if _, isString := x.(string); isString && k == "token" {
				out[k] = "<token of " + addr + ">"
				continue
			}
			out[k] = n.applyAt(x, addr)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = n.applyAt(x, addr)
		}
		return out
	case string:
		if name, ok := n.names[v]; ok {
			return name
		}
	}
	return v
}

// testInvalid applies configurations that v2 rejects, when it validates
// them, reads a parameter's value, plans or applies, and compares the
// errors.
func (d differential) testInvalid(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/differential/invalid/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("got %v (%v), want invalid configurations", dirs, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			p := d.pair(t, dir, map[string]string{"versions.tf": differentialVersions})
			p.both(t, nil, initArgs...)
			env := buildEnv("start")
			if b, err := os.ReadFile(filepath.Join(dir, "values.json")); err == nil {
				var values map[string]map[string]string
				if err := json.Unmarshal(b, &values); err != nil {
					t.Fatalf("values.json: %v", err)
				}
				for name, v := range values["values"] {
					env[buildenv.Parameter(name)] = v
				}
				for name, v := range values["previous"] {
					env[buildenv.ParameterPrevious(name)] = v
				}
			}
			diags := func(w *tftest.Workdir) []string {
				// apply plans first: errors of either step show.
				r := w.Run(t, env, "apply", "-auto-approve", "-input=false", "-no-color", "-json")
				if r.ExitCode == 0 {
					t.Errorf("apply: got exit code 0, want a failure")
				}
				var out []string
				for _, line := range strings.Split(r.Stdout, "\n") {
					var msg struct {
						Type       string `json:"type"`
						Diagnostic *struct {
							Severity string `json:"severity"`
							Summary  string `json:"summary"`
							Detail   string `json:"detail"`
							Address  string `json:"address"`
							Range    *struct {
								Start struct {
									Line int `json:"line"`
								} `json:"start"`
							} `json:"range"`
						} `json:"diagnostic"`
					}
					if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" {
						continue
					}
					// Deprecation warnings are in each provider's words.
					if msg.Diagnostic.Severity != "error" && strings.Contains(msg.Diagnostic.Summary, "eprecated") {
						continue
					}
					dg := msg.Diagnostic
					line := 0
					if dg.Range != nil {
						line = dg.Range.Start.Line
					}
					out = append(out, fmt.Sprintf("%s line %d: %s | %s", dg.Severity, line, dg.Summary, dg.Detail))
				}
				sort.Strings(out)
				return out
			}
			got, want := diags(p.ours), diags(p.ref)
			if len(want) == 0 {
				t.Errorf("the reference reports no error, want some")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("errors (-reference +ours):\n%s", diff)
			}
		})
	}
}

// differentialVersions pins the reference's version, which this provider's
// mirror also serves.
var differentialVersions = "terraform {\n  required_providers {\n    coder = {\n      source  = \"coder/coder\"\n" +
	"      version = \"" + tftest.ReferenceVersion + "\"\n    }\n  }\n}\n"
