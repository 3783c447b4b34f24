package server_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/servertest"
)

func pushParams(t *testing.T, c *sdk.Client, vars map[string]string) (sdk.Template, error) {
	t.Helper()
	archive, err := templatearchive.Pack("testdata/params")
	if err != nil {
		t.Fatal(err)
	}
	return c.PushTemplateVersion(context.Background(), "params", sdk.PushTemplateRequest{
		Archive: archive, Variables: vars, Message: "first push",
	})
}

// TestTemplatePushPlans pushes a template through a real terraform plan: a
// missing variable is refused with Terraform's error and stores nothing;
// the accepted version lists its parameters, preset, variables (the
// sensitive value nowhere) and the secrets its for_each requires.
func TestTemplatePushPlans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		ctx := context.Background()
		password := canary(t)

		_, err := pushParams(t, s.Admin, nil)
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), "region_prefix") || !strings.Contains(err.Error(), "does not plan") {
			t.Fatalf("push without the required variable: got %v, want a 400 naming region_prefix", err)
		}
		if ts, err := s.Admin.Templates(ctx); err != nil || len(ts) != 0 {
			t.Fatalf("after a refused push: got %d templates (%v), want none", len(ts), err)
		}
		_, err = pushParams(t, s.Admin, map[string]string{"region_prefix": "x", "nope": "y"})
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), `no variable "nope"`) {
			t.Fatalf("push with an unknown variable: got %v, want a 400 naming it", err)
		}

		tmpl, err := pushParams(t, s.Admin, map[string]string{"region_prefix": "zone-", "api_password": password})
		if err != nil {
			t.Fatal(err)
		}
		info := tmpl.ActiveVersionInfo
		if !info.Planned {
			t.Fatal("got an unplanned version, want the plan's info")
		}
		var names []string
		for _, p := range info.Parameters {
			names = append(names, p.Name+":"+p.Type)
		}
		if got, want := strings.Join(names, ","), "region:string,disk:number,repo:string,gpu:bool,tools:list(string),note:string"; got != want {
			t.Errorf("parameters: got %s, want %s (in order)", got, want)
		}
		byName := map[string]sdk.TemplateParameter{}
		for _, p := range info.Parameters {
			byName[p.Name] = p
		}
		if p := byName["region"]; len(p.Options) != 2 || p.Options[1].Value != "us" || p.DisplayName != "Region" || !p.Mutable || p.Required {
			t.Errorf("region: got %+v", p)
		}
		if p := byName["disk"]; p.Validation == nil || p.Validation.Min == nil || *p.Validation.Min != 5 || *p.Validation.Max != 50 || p.Validation.Monotonic != "increasing" {
			t.Errorf("disk: got %+v", p)
		}
		if p := byName["repo"]; !p.Required || p.Mutable || p.Validation == nil || p.Validation.Regex != "^https://" {
			t.Errorf("repo: got %+v", p)
		}
		if p := byName["note"]; !p.Ephemeral {
			t.Errorf("note: got %+v, want ephemeral", p)
		}
		if len(info.Presets) != 1 || info.Presets[0].Name != "big" || info.Presets[0].Parameters["disk"] != "40" {
			t.Errorf("presets: got %+v", info.Presets)
		}
		vars := map[string]sdk.TemplateVariable{}
		for _, v := range info.Variables {
			vars[v.Name] = v
		}
		if v := vars["region_prefix"]; !v.Required || v.Description != "Prefix of every region name." {
			t.Errorf("region_prefix: got %+v", v)
		}
		if v := vars["api_password"]; !v.Sensitive || v.Default != "" {
			t.Errorf("api_password: got %+v, want sensitive without its default", v)
		}
		var reqs []string
		for _, r := range tmpl.SecretRequirements {
			reqs = append(reqs, r.ID())
		}
		if got := strings.Join(reqs, ","); got != "env:TOKEN_A,env:TOKEN_B" {
			t.Errorf("requirements: got %s, want the for_each's env:TOKEN_A,env:TOKEN_B", got)
		}
		if tmpl.ActiveVersionMessage != "first push" {
			t.Errorf("message: got %q", tmpl.ActiveVersionMessage)
		}
		// The sensitive variable rests sealed, and no log holds it.
		// pg_dump shows bytea in hex: search both forms.
		raw := rawDatabase(t, s, b)
		holds := func(needle string) bool {
			return bytes.Contains(raw, []byte(needle)) || bytes.Contains(raw, []byte(hex.EncodeToString([]byte(needle))))
		}
		if !holds("Prefix of every region name.") {
			t.Fatal("the search cannot fail: the database holds no plan")
		}
		if holds(password) {
			t.Error("the sensitive variable's value is in the database in plaintext")
		}
		if strings.Contains(s.Logs.String(), password) {
			t.Error("the sensitive variable's value is in the server log")
		}

		// A version that does not plan is refused with Terraform's error.
		bad := tarWith(t, "main.tf", []byte("resource \"terraform_data\" \"x\" {\n  input = var.missing\n}\n"))
		_, err = s.Admin.PushTemplate(ctx, "params", bad)
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), "Reference to undeclared input variable") {
			t.Fatalf("push of a broken template: got %v, want Terraform's error", err)
		}
		got, err := s.Admin.Template(ctx, "params")
		if err != nil || got.ActiveVersion != 1 {
			t.Fatalf("after a refused push: got version %d (%v), want 1 still", got.ActiveVersion, err)
		}
	})
}

// TestBuildParameters creates a workspace with parameters, a preset,
// refused values (each with its rule), restarts it (values kept, the
// ephemeral one dropped), changes a mutable value and is refused an
// immutable change; the values reach Terraform.
func TestBuildParameters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		ctx := context.Background()
		password := canary(t)
		if _, err := pushParams(t, s.Admin, map[string]string{"region_prefix": "zone-", "api_password": password}); err != nil {
			t.Fatal(err)
		}
		c := s.NewMember(t, "paula")
		create := func(name string, params []sdk.BuildParameter, preset string) (sdk.Workspace, error) {
			return c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: name, Template: "params", Parameters: params, Preset: preset})
		}
		repo := sdk.BuildParameter{Name: "repo", Value: "https://example.com/r.git"}

		// The dynamic requirement refuses the create, with its help.
		_, err := create("dev", []sdk.BuildParameter{repo}, "")
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), "Create a secret with env TOKEN_A.") {
			t.Fatalf("create without the for_each secrets: got %v, want a 400 with the help message", err)
		}
		for _, env := range []string{"TOKEN_A", "TOKEN_B"} {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: strings.ToLower(env), Value: sdk.SecretValue(canary(t)), EnvName: env}); err != nil {
				t.Fatal(err)
			}
		}

		refused := []struct {
			name   string
			params []sdk.BuildParameter
			preset string
			want   string
		}{
			{"missing required", nil, "", `Parameter "repo" needs a value`},
			{"not an option", []sdk.BuildParameter{repo, {Name: "region", Value: "mars"}}, "", "(option rule)"},
			{"below min", []sdk.BuildParameter{repo, {Name: "disk", Value: "2"}}, "", "(min rule): value 2 is less than the minimum 5"},
			{"above max", []sdk.BuildParameter{repo, {Name: "disk", Value: "51"}}, "", "(max rule)"},
			{"not a number", []sdk.BuildParameter{repo, {Name: "disk", Value: "ten"}}, "", `"disk" (type rule)`},
			{"regex", []sdk.BuildParameter{{Name: "repo", Value: "git@x"}}, "", "The repository must be an https URL."},
			{"not a bool", []sdk.BuildParameter{repo, {Name: "gpu", Value: "maybe"}}, "", `"gpu" (type rule)`},
			{"not a list", []sdk.BuildParameter{repo, {Name: "tools", Value: "git"}}, "", `"tools" (type rule)`},
			{"unknown parameter", []sdk.BuildParameter{repo, {Name: "colour", Value: "red"}}, "", `"colour" (unknown rule)`},
			{"unknown preset", []sdk.BuildParameter{repo}, "huge", `no preset "huge"`},
		}
		for _, tc := range refused {
			_, err := create("bad", tc.params, tc.preset)
			if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v, want a 400 with %q", tc.name, err, tc.want)
			}
		}
		if list, err := c.Workspaces(ctx, sdk.Me); err != nil || len(list) != 0 {
			t.Fatalf("after refused creates: got %d workspaces (%v), want none", len(list), err)
		}

		ws, err := create("dev", []sdk.BuildParameter{repo, {Name: "note", Value: "first"}, {Name: "tools", Value: `["git","make"]`}}, "big")
		if err != nil {
			t.Fatal(err)
		}
		log := mustSucceed(t, c, ws.LatestBuild)
		want := `params region=us disk=40 repo=https://example.com/r.git gpu=false tools=["git","make"] note=[first] prefix=zone- password=` + sdk.Redacted
		if !strings.Contains(printed(log), want) {
			t.Errorf("first build log: got\n%s\nwant a line %q", log, want)
		}
		if strings.Contains(printed(log), password) {
			t.Error("the sensitive variable's value is in the build log")
		}

		// Restart: stop, then start with the same values but the ephemeral one.
		mustSucceed(t, c, mustBuild(t, c, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStop}))
		log = mustSucceed(t, c, mustBuild(t, c, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStart}))
		if !strings.Contains(printed(log), "params region=us disk=40 repo=https://example.com/r.git") || !strings.Contains(printed(log), "note=[]") {
			t.Errorf("restart build log: got\n%s\nwant the first values and an empty note", log)
		}

		// A mutable change passes; monotonic, immutable and stop-with-values do not.
		_, err = c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStart,
			Parameters: []sdk.BuildParameter{{Name: "disk", Value: "30"}}})
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), "(monotonic rule): parameter value '30' must be equal or greater than previous value: 40") {
			t.Errorf("decreasing disk: got %v, want the monotonic rule", err)
		}
		_, err = c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStart,
			Parameters: []sdk.BuildParameter{{Name: "repo", Value: "https://example.com/other.git"}}})
		if sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), "(immutable rule)") {
			t.Errorf("changing repo: got %v, want the immutable rule", err)
		}
		_, err = c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStop,
			Parameters: []sdk.BuildParameter{{Name: "disk", Value: "45"}}})
		if sdk.StatusCode(err) != 400 {
			t.Errorf("stop with parameters: got %v, want a 400", err)
		}
		mustSucceed(t, c, mustBuild(t, c, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStop}))
		b2 := mustBuild(t, c, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStart,
			Parameters: []sdk.BuildParameter{{Name: "disk", Value: "45"}, {Name: "region", Value: "eu"}}})
		log = mustSucceed(t, c, b2)
		if !strings.Contains(printed(log), "params region=eu disk=45 repo=https://example.com/r.git") {
			t.Errorf("update build log: got\n%s\nwant the new values", log)
		}
		got, err := c.BuildParameters(ctx, b2.ID)
		if err != nil {
			t.Fatal(err)
		}
		vals := map[string]string{}
		for _, p := range got {
			vals[p.Name] = p.Value
		}
		if vals["disk"] != "45" || vals["region"] != "eu" || vals["repo"] != repo.Value || vals["tools"] != `["git","make"]` {
			t.Errorf("build parameters: got %v", vals)
		}
		if _, ok := vals["note"]; ok {
			t.Errorf("build parameters: got the ephemeral note %q carried over, want it gone", vals["note"])
		}
		// Another user cannot read them.
		other := s.NewMember(t, "olga")
		if _, err := other.BuildParameters(ctx, b2.ID); sdk.StatusCode(err) != 404 {
			t.Errorf("another user's read: got %v, want 404", err)
		}
	})
}

func mustBuild(t *testing.T, c *sdk.Client, ws string, req sdk.CreateBuildRequest) sdk.WorkspaceBuild {
	t.Helper()
	b, err := c.CreateBuildWith(context.Background(), sdk.Me, ws, req)
	if err != nil {
		t.Fatalf("%s build: %v", req.Transition, err)
	}
	return b
}

// TestPushRequestChecks: a JSON push's variables and message are checked
// before anything runs; a server without Terraform stores the version
// unplanned and refuses variables.
func TestPushRequestChecks(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	ctx := context.Background()
	archive := tarWith(t, "main.tf", []byte("# nothing\n"))
	cases := []struct {
		name string
		req  sdk.PushTemplateRequest
		want string
	}{
		{"bad name", sdk.PushTemplateRequest{Archive: archive, Variables: map[string]string{"1x": "v"}}, `invalid variable name "1x"`},
		{"NUL value", sdk.PushTemplateRequest{Archive: archive, Variables: map[string]string{"x": "a\x00b"}}, `invalid value for variable "x"`},
		{"long message", sdk.PushTemplateRequest{Archive: archive, Message: strings.Repeat("m", 4097)}, "invalid message"},
		{"no terraform", sdk.PushTemplateRequest{Archive: archive, Variables: map[string]string{"x": "v"}}, "runs no Terraform"},
	}
	for _, tc := range cases {
		if _, err := s.Admin.PushTemplateVersion(ctx, "checks", tc.req); sdk.StatusCode(err) != 400 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a 400 with %q", tc.name, err, tc.want)
		}
	}
	tmpl, err := s.Admin.PushTemplateVersion(ctx, "checks", sdk.PushTemplateRequest{Archive: archive, Message: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.ActiveVersion != 1 || tmpl.ActiveVersionInfo.Planned || tmpl.ActiveVersionMessage != "plain" {
		t.Errorf("push without Terraform: got version %d, planned %v, message %q", tmpl.ActiveVersion, tmpl.ActiveVersionInfo.Planned, tmpl.ActiveVersionMessage)
	}
	info, err := s.Admin.TemplateVersionInfo(ctx, tmpl.ActiveVersionID)
	if err != nil || info.Planned || info.Parameters == nil {
		t.Errorf("version info: got %+v, %v", info, err)
	}
}

// TestDefaultPreset creates workspaces from a template with a default
// preset: without a preset the default one applies, "none" applies none,
// a named one applies itself, and a later start keeps the first values
// instead of applying the default again.
func TestDefaultPreset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		archive, err := templatearchive.Pack("testdata/presets")
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := s.Admin.PushTemplateVersion(ctx, "presets", sdk.PushTemplateRequest{Archive: archive})
		if err != nil {
			t.Fatal(err)
		}
		if got := sdk.DefaultPreset(tmpl.ActiveVersionInfo); got != "medium" {
			t.Fatalf("default preset of the pushed version: got %q, want medium", got)
		}
		c := s.NewMember(t, "dora")
		for _, tc := range []struct{ ws, preset, want string }{
			{"by-default", "", "presets size=medium"},
			{"no-preset", sdk.NoPreset, "presets size=small"},
			{"named", "large", "presets size=large"},
		} {
			ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: tc.ws, Template: "presets", Preset: tc.preset})
			if err != nil {
				t.Fatalf("create %s: %v", tc.ws, err)
			}
			if log := mustSucceed(t, c, ws.LatestBuild); !strings.Contains(printed(log), tc.want) {
				t.Errorf("create with preset %q: got log\n%s\nwant a line %q", tc.preset, log, tc.want)
			}
		}
		mustSucceed(t, c, mustBuild(t, c, "no-preset", sdk.CreateBuildRequest{Transition: sdk.TransitionStop}))
		if log := mustSucceed(t, c, mustBuild(t, c, "no-preset", sdk.CreateBuildRequest{Transition: sdk.TransitionStart})); !strings.Contains(printed(log), "presets size=small") {
			t.Errorf("restart of a workspace created without a preset: got log\n%s\nwant its first value, size=small", log)
		}
	})
}
