package provider_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/provider/internal/tftest"
	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// TestAcceptance runs templates through real terraform and tofu binaries,
// offline, with the provider installed from a tfmirror mirror, as the
// server's provisioner does. See package tftest for how the binaries are
// found; a missing terraform fails the test when $CI is true.
func TestAcceptance(t *testing.T) {
	tools := []struct {
		name string
		find func(testing.TB) tftest.Tool
		path string
	}{
		{"terraform", tftest.Terraform, os.Getenv("TF_ACC_TERRAFORM_PATH")},
		{"tofu", tftest.Tofu, os.Getenv("TF_ACC_TOFU_PATH")},
	}
	// Build the provider only when some tool can use it.
	var mirror *tfmirror.Mirror
	for _, tool := range tools {
		if _, err := tftest.Find(tool.name, tool.path); err == nil {
			mirror = tftest.NewMirror(t, tftest.ProviderBinary(t))
			break
		}
	}
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			t.Parallel()
			tl := tool.find(t)
			t.Logf("using %s (%s)", tl.Path, tl.Version)
			s := suite{tool: tl, mirror: mirror}
			t.Run("start build with every resource and data source", s.testStartBuild)
			t.Run("missing secret on start build", s.testMissingSecret)
			t.Run("stop and delete builds", s.testStopDelete)
			t.Run("no build", s.testNoBuild)
			t.Run("v2 templates", s.testV2Templates)
			t.Run("lock file", s.testLockFile)
			t.Run("examples", s.testExamples)
		})
	}
}

type suite struct {
	tool   tftest.Tool
	mirror *tfmirror.Mirror
}

func (s suite) workdir(t *testing.T, src string, files map[string]string) *tftest.Workdir {
	t.Helper()
	return tftest.NewWorkdir(t, s.tool, s.mirror, src, files)
}

// Fixed build details, as the server's provisioner passes them.
const (
	workspaceID   = "0b9a2f6e-4e3c-4d2b-9a43-7c1f8d0e6a11"
	ownerID       = "5d6c7b8a-1f2e-4a3b-8c9d-0e1f2a3b4c5d"
	templateID    = "9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f"
	accessURL     = "http://coder.test:7080"
	agentScript   = "#!/bin/sh\ncurl -fsSL ${ACCESS_URL}bin/coder | sh -s -- agent --auth ${AUTH_TYPE}\n"
	wantInitShell = "#!/bin/sh\ncurl -fsSL http://coder.test:7080/bin/coder | sh -s -- agent --auth token\n"
)

// buildEnv is the environment of a build with the given transition, named
// as the provisioner names it (sdk/buildenv).
func buildEnv(transition string) map[string]string {
	return map[string]string{
		buildenv.AgentURL:                   accessURL,
		buildenv.AgentScript("linux_amd64"): agentScript,
		buildenv.BuildID:                    randomString(),
		buildenv.Transition:                 transition,
		buildenv.WorkspaceID:                workspaceID,
		buildenv.WorkspaceName:              "dev-box",
		buildenv.Owner:                      "alice",
		buildenv.OwnerID:                    ownerID,
		buildenv.OwnerEmail:                 "alice@example.com",
		buildenv.OwnerName:                  "Alice Liddell",
		buildenv.OwnerGroups:                `["dev","ops"]`,
		buildenv.OwnerRBACRoles:             `[{"name":"member","org_id":""}]`,
		buildenv.OwnerLoginType:             "password",
		buildenv.TemplateID:                 templateID,
		buildenv.TemplateName:               "docker",
		buildenv.TemplateVersion:            "v7",
	}
}

// randomString is a fresh random value: secrets in these tests are random,
// so that a leak check means something.
func randomString() string { return "r" + strings.ToLower(rand.Text()) }

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Arguments of the commands the provisioner runs.
var (
	initArgs  = []string{"init", "-input=false", "-no-color"}
	planArgs  = []string{"plan", "-input=false", "-no-color", "-out=tfplan"}
	applyArgs = []string{"apply", "-input=false", "-no-color", "-auto-approve", "tfplan"}
)

func (s suite) testStartBuild(t *testing.T) {
	t.Parallel()
	w := s.workdir(t, "testdata/all", nil)
	apiKey, toolConfig, session := randomString(), "{\"k\": \""+randomString()+"\"}\n", randomString()
	w.AddSecrets(apiKey, toolConfig, session)
	env := buildEnv("start")
	env[buildenv.SecretEnv("API_KEY")] = apiKey
	env[buildenv.SecretFile("~/.config/tool/config.json")] = toolConfig
	env[buildenv.OwnerSessionToken] = session

	w.MustRun(t, nil, initArgs...)
	w.MustRun(t, env, planArgs...)
	w.MustRun(t, env, applyArgs...)

	got := w.Outputs(t)
	want := map[string]any{
		"api_key_sha256":             sha(apiKey),
		"tool_config_sha256":         sha(toolConfig),
		"owner_session_token_sha256": sha(session),
		"secrets_empty":              false,
		"secret_ids":                 []any{"env:API_KEY", "file:~/.config/tool/config.json"},
		"workspace": map[string]any{
			"id": workspaceID, "name": "dev-box", "transition": "start", "start_count": 1.0,
			"access_url": accessURL, "access_port": 7080.0,
			"template_id": templateID, "template_name": "docker", "template_version": "v7",
			"is_prebuild": false, "prebuild_count": 0.0,
		},
		"owner": map[string]any{
			"id": ownerID, "name": "alice", "full_name": "Alice Liddell", "email": "alice@example.com",
			"groups": []any{"dev", "ops"}, "login_type": "password",
			"rbac_roles": []any{map[string]any{"name": "member", "org_id": ""}},
		},
		"init_script":  wantInitShell,
		"token_length": 36.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}

	state := w.State(t)
	checkValues(t, state, "coder_agent.dev", map[string]any{
		"os": "linux", "arch": "amd64", "auth": "token", "dir": "/home/coder",
		"startup_script_behavior": "blocking", "connection_timeout": 60.0, "api_key_scope": "no_user_data",
		"env": map[string]any{"GREETING": "hello", "OWNER": "alice"},
		"display_apps": []any{map[string]any{
			"vscode": false, "vscode_insiders": true, "web_terminal": true, "ssh_helper": true, "port_forwarding_helper": true,
		}},
		"metadata": []any{
			map[string]any{"key": "cpu", "display_name": "CPU usage", "script": "top -bn1 | head -3", "interval": 10.0, "timeout": 1.0, "order": 1.0},
			map[string]any{"key": "disk", "display_name": "", "script": "df -h /home", "interval": 60.0, "timeout": 0.0, "order": 0.0},
		},
		"resources_monitoring": []any{map[string]any{
			"memory": []any{map[string]any{"enabled": true, "threshold": 80.0}},
			"volume": []any{map[string]any{"path": "/home/coder", "enabled": true, "threshold": 90.0}},
		}},
	})
	agentID, _ := state["coder_agent.dev"].Values["id"].(string)
	checkValues(t, state, "coder_env.path", map[string]any{"agent_id": agentID, "name": "PATH", "value": "/opt/tool/bin", "merge_strategy": "prepend"})
	checkValues(t, state, "coder_env.welcome", map[string]any{"agent_id": agentID, "value": "Hello, Alice Liddell", "merge_strategy": "replace"})
	checkValues(t, state, "coder_script.setup", map[string]any{
		"agent_id": agentID, "run_on_start": true, "run_on_stop": false, "start_blocks_login": true,
		"timeout": 300.0, "log_path": "setup.log", "icon": accessURL + "/icon/code.svg", "cron": nil,
	})
	checkValues(t, state, "coder_script.nightly", map[string]any{"cron": "0 0 22 * * *", "run_on_start": false, "timeout": 0.0})
	checkValues(t, state, "coder_script.stop", map[string]any{"run_on_stop": true})
	token := state["coder_agent.dev"].Values["token"]

	// The next plan of the same build finds nothing to change, and a
	// refresh keeps the agent's token.
	if r := w.Run(t, env, "plan", "-input=false", "-no-color", "-detailed-exitcode"); r.ExitCode != 0 {
		t.Errorf("second plan: got exit code %d, want 0 (no changes)\n%s", r.ExitCode, w.Redact(r.Stdout))
	}
	w.MustRun(t, env, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
	if after := w.State(t)["coder_agent.dev"].Values["token"]; after != token {
		t.Errorf("agent token changed on refresh, want it kept (values withheld)")
	}
}

// checkValues compares some state values of a resource.
func checkValues(t *testing.T, state map[string]tftest.StateResource, addr string, want map[string]any) {
	t.Helper()
	res, ok := state[addr]
	if !ok {
		t.Errorf("state: got no %s, want one", addr)
		return
	}
	got := map[string]any{}
	for k := range want {
		got[k] = res.Values[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", addr, diff)
	}
}

func (s suite) testMissingSecret(t *testing.T) {
	t.Parallel()
	const (
		envSummary  = "Missing required secret for environment variable GITHUB_TOKEN"
		envHelp     = "Create a GitHub personal access token with the repo scope."
		envCommand  = `echo -n "$VALUE" | coder secret create github-token --env GITHUB_TOKEN`
		fileSummary = "Missing required secret for file ~/.aws/credentials"
		fileHelp    = "Add your AWS credentials file."
		fileCommand = `coder secret create aws-credentials --file '~/.aws/credentials' < ./credentials`
	)
	envVar, fileVar := buildenv.SecretEnv("GITHUB_TOKEN"), buildenv.SecretFile("~/.aws/credentials")
	tests := []struct {
		name    string
		secrets map[string]string // nil value: unset
		want    []tftest.Diagnostic
	}{
		{
			name:    "env secret missing",
			secrets: map[string]string{fileVar: randomString()},
			want:    []tftest.Diagnostic{{Severity: "error", Summary: envSummary, Detail: envHelp + "|" + envCommand}},
		},
		{
			name:    "env secret empty",
			secrets: map[string]string{envVar: "", fileVar: randomString()},
			want:    []tftest.Diagnostic{{Severity: "error", Summary: envSummary, Detail: envHelp + "|" + envCommand}},
		},
		{
			name:    "file secret missing",
			secrets: map[string]string{envVar: randomString()},
			want:    []tftest.Diagnostic{{Severity: "error", Summary: fileSummary, Detail: fileHelp + "|" + fileCommand}},
		},
		{
			name:    "both missing",
			secrets: map[string]string{},
			want: []tftest.Diagnostic{
				{Severity: "error", Summary: envSummary, Detail: envHelp + "|" + envCommand},
				{Severity: "error", Summary: fileSummary, Detail: fileHelp + "|" + fileCommand},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := s.workdir(t, "testdata/secrets", nil)
			env := buildEnv("start")
			for k, v := range tt.secrets {
				env[k] = v
				w.AddSecrets(v)
			}
			w.MustRun(t, nil, initArgs...)
			r := w.Run(t, env, "plan", "-input=false", "-no-color", "-json")
			if r.ExitCode == 0 {
				t.Fatalf("plan: got exit code 0, want a failure")
			}
			got := tftest.Diagnostics(t, r)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d diagnostics %s, want %d", len(got), w.Redact(fmt.Sprintf("%+v", got)), len(tt.want))
			}
			for _, want := range tt.want {
				if !hasDiagnostic(got, want) {
					t.Errorf("got diagnostics %s, want one with summary %q and a detail with %q",
						w.Redact(fmt.Sprintf("%+v", got)), want.Summary, strings.Split(want.Detail, "|"))
				}
			}
		})
	}
}

// hasDiagnostic reports whether one of diags has want's severity and
// summary and a detail holding each "|"-separated part of want's detail.
func hasDiagnostic(diags []tftest.Diagnostic, want tftest.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity != want.Severity || d.Summary != want.Summary {
			continue
		}
		ok := true
		for _, part := range strings.Split(want.Detail, "|") {
			ok = ok && strings.Contains(d.Detail, part)
		}
		if ok {
			return true
		}
	}
	return false
}

func (s suite) testStopDelete(t *testing.T) {
	t.Parallel()
	w := s.workdir(t, "testdata/all", nil)
	apiKey, toolConfig := randomString(), randomString()
	w.AddSecrets(apiKey, toolConfig)
	start := buildEnv("start")
	start[buildenv.SecretEnv("API_KEY")] = apiKey
	start[buildenv.SecretFile("~/.config/tool/config.json")] = toolConfig
	w.MustRun(t, nil, initArgs...)
	w.MustRun(t, start, planArgs...)
	w.MustRun(t, start, applyArgs...)
	token := w.State(t)["coder_agent.dev"].Values["token"]

	// A stop build has no secrets: they read as "".
	stop := buildEnv("stop")
	w.MustRun(t, stop, planArgs...)
	w.MustRun(t, stop, applyArgs...)
	out := w.Outputs(t)
	for k, want := range map[string]any{"secrets_empty": true, "api_key_sha256": sha("")} {
		if got := out[k]; got != want {
			t.Errorf("stop build output %s: got %v, want %v", k, got, want)
		}
	}
	ws, _ := out["workspace"].(map[string]any)
	if got := ws["start_count"]; got != 0.0 {
		t.Errorf("stop build start_count: got %v, want 0", got)
	}
	state := w.State(t)
	if _, ok := state["terraform_data.workspace[0]"]; ok {
		t.Errorf("stop build: got terraform_data.workspace[0] in the state, want it destroyed")
	}
	if got := state["coder_agent.dev"].Values["token"]; got != token {
		t.Errorf("stop build changed the agent token, want it kept (values withheld)")
	}

	// A delete build has no secrets either and destroys everything.
	del := buildEnv("delete")
	w.MustRun(t, del, "plan", "-input=false", "-no-color", "-destroy", "-out=tfplan")
	w.MustRun(t, del, applyArgs...)
	if got := w.State(t); len(got) != 0 {
		t.Errorf("after the delete build: got %d resources in the state, want 0", len(got))
	}
}

func (s suite) testNoBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"no variables", map[string]string{}},
		{"start transition without build id", map[string]string{buildenv.Transition: "start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := s.workdir(t, "testdata/all", nil)
			w.MustRun(t, nil, initArgs...)
			w.MustRun(t, tt.env, planArgs...)
			w.MustRun(t, tt.env, applyArgs...)
			out := w.Outputs(t)
			ws, _ := out["workspace"].(map[string]any)
			owner, _ := out["owner"].(map[string]any)
			got := map[string]any{
				"secrets_empty": out["secrets_empty"],
				"init_script":   out["init_script"],
				"name":          ws["name"],
				"transition":    ws["transition"],
				"access_url":    ws["access_url"],
				"template_id":   ws["template_id"],
				"owner":         owner["name"],
				"email":         owner["email"],
			}
			want := map[string]any{
				"secrets_empty": true, "init_script": "", "name": "default", "transition": "start",
				"access_url": "http://127.0.0.1:3000", "template_id": "", "owner": "default",
				"email": "default@example.com",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

// versionsTF is a terraform block as templates written for
// terraform-provider-coder v2 have it.
func versionsTF(constraint string) string {
	return "terraform {\n  required_providers {\n    coder = {\n      source  = \"coder/coder\"\n" +
		"      version = \"" + constraint + "\"\n    }\n  }\n}\n"
}

func (s suite) testV2Templates(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/v2/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("got templates %v (%v), want some", dirs, err)
	}
	for _, dir := range dirs {
		for _, constraint := range []string{">= 2.0.0", "~> 2.0"} {
			t.Run(filepath.Base(dir)+" "+constraint, func(t *testing.T) {
				t.Parallel()
				w := s.workdir(t, dir, map[string]string{"versions.tf": versionsTF(constraint)})
				secrets := map[string]string{
					buildenv.SecretEnv("GITHUB_TOKEN"):        randomString(),
					buildenv.SecretFile("~/.aws/credentials"): "[default]\naws_secret_access_key = " + randomString() + "\n",
				}
				env := buildEnv("start")
				maps.Copy(env, secrets)
				for _, v := range secrets {
					w.AddSecrets(v)
				}
				w.MustRun(t, nil, initArgs...)
				lock, err := os.ReadFile(filepath.Join(w.Dir, tfmirror.LockFileName))
				if err != nil {
					t.Fatalf("read the lock file: %v", err)
				}
				wantLock := "provider \"" + s.tool.Host() + "/coder/coder\" {\n  version     = \"2.29.9\""
				if !strings.Contains(string(lock), wantLock) {
					t.Errorf("lock file: got\n%s\nwant it to contain %q", lock, wantLock)
				}
				w.MustRun(t, env, planArgs...)
				w.MustRun(t, env, applyArgs...)
				if r := w.Run(t, env, "plan", "-input=false", "-no-color", "-detailed-exitcode"); r.ExitCode != 0 {
					t.Errorf("second plan: got exit code %d, want 0 (no changes)\n%s", r.ExitCode, w.Redact(r.Stdout))
				}
			})
		}
	}
}

func (s suite) testLockFile(t *testing.T) {
	t.Parallel()
	lockFile := func(version, constraints string) string {
		return "# This file is maintained automatically by \"terraform init\".\n" +
			"# Manual edits may be lost in future updates.\n\n" +
			"provider \"" + s.tool.Host() + "/coder/coder\" {\n" +
			"  version     = \"" + version + "\"\n" +
			"  constraints = \"" + constraints + "\"\n" +
			"  hashes = [\n    \"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\n  ]\n}\n"
	}
	tests := []struct {
		name     string
		lock     string
		strip    bool
		wantInit bool
	}{
		// Without StripLockFile, an old build's checksum breaks init: this
		// is why the server strips the lock file.
		{"old checksum kept", lockFile("2.3.0", ">= 2.0.0"), false, false},
		{"old checksum stripped", lockFile("2.3.0", ">= 2.0.0"), true, true},
		{"unknown version stripped", lockFile("2.99.0", ">= 2.0.0"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := s.workdir(t, "testdata/v2/env", map[string]string{
				"versions.tf":         versionsTF(">= 2.0.0"),
				tfmirror.LockFileName: tt.lock,
			})
			if tt.strip {
				changed, err := tfmirror.StripLockFile(w.Dir)
				if err != nil || !changed {
					t.Fatalf("StripLockFile: got %v, %v; want true, nil", changed, err)
				}
			}
			r := w.Run(t, nil, initArgs...)
			if got := r.ExitCode == 0; got != tt.wantInit {
				t.Fatalf("init succeeded: got %v, want %v\nstdout:\n%s\nstderr:\n%s", got, tt.wantInit, r.Stdout, r.Stderr)
			}
			if !tt.wantInit && !strings.Contains(r.Stderr, "checksums") {
				t.Errorf("init error: got\n%s\nwant one about the lock file's checksums", r.Stderr)
			}
			if tt.wantInit {
				env := buildEnv("start")
				w.MustRun(t, env, planArgs...)
				w.MustRun(t, env, applyArgs...)
			}
		})
	}
}

func (s suite) testExamples(t *testing.T) {
	t.Parallel()
	var dirs []string
	for _, pattern := range []string{"../examples/provider", "../examples/resources/*", "../examples/data-sources/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	if len(dirs) < 7 {
		t.Fatalf("got example directories %q, want at least 7", dirs)
	}
	for _, dir := range dirs {
		t.Run(strings.TrimPrefix(dir, "../examples/"), func(t *testing.T) {
			t.Parallel()
			files := map[string]string{}
			if !hasTerraformBlock(t, dir) {
				files["versions.tf"] = versionsTF(">= 2.0.0")
			}
			w := s.workdir(t, dir, files)
			w.MustRun(t, nil, initArgs...)
			w.MustRun(t, nil, "validate", "-no-color")
			w.MustRun(t, nil, planArgs...)
		})
	}
}

func hasTerraformBlock(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "required_providers") {
			return true
		}
	}
	return false
}
