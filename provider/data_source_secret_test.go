package provider

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSecretRead(t *testing.T) {
	t.Parallel()
	const (
		envValue  = "gh-value-4b1f6c"
		fileValue = "[default]\nkey = file-value-93ad\n"
		// CODER_SECRET_FILE_ + hex("~/.aws/credentials")
		fileVar = "CODER_SECRET_FILE_7e2f2e6177732f63726564656e7469616c73"
	)
	start := map[string]string{"CODER_WORKSPACE_BUILD_ID": "b1", "CODER_WORKSPACE_TRANSITION": "start"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	envCfg := map[string]any{"env": "GITHUB_TOKEN", "help_message": "Add a GitHub token."}
	fileCfg := map[string]any{"file": "~/.aws/credentials", "help_message": "Add AWS credentials."}
	tests := []struct {
		name      string
		env       map[string]string
		config    map[string]any
		wantID    string
		wantValue string
		wantErr   []string // parts of an error diagnostic; nil: no error
	}{
		{
			name:   "env on start build",
			env:    with(start, "CODER_SECRET_ENV_GITHUB_TOKEN", envValue),
			config: envCfg, wantID: "env:GITHUB_TOKEN", wantValue: envValue,
		},
		{
			name:   "file on start build",
			env:    with(start, fileVar, fileValue),
			config: fileCfg, wantID: "file:~/.aws/credentials", wantValue: fileValue,
		},
		{
			name:   "env missing on start build",
			env:    with(start, fileVar, fileValue),
			config: envCfg,
			wantErr: []string{
				"Missing required secret for environment variable GITHUB_TOKEN",
				"Add a GitHub token.",
				`echo -n "$VALUE" | coder secret create github-token --env GITHUB_TOKEN`,
			},
		},
		{
			name:   "env empty on start build",
			env:    with(start, "CODER_SECRET_ENV_GITHUB_TOKEN", ""),
			config: envCfg,
			wantErr: []string{
				"Missing required secret for environment variable GITHUB_TOKEN",
			},
		},
		{
			name:   "file missing on start build",
			env:    with(start, "CODER_SECRET_ENV_GITHUB_TOKEN", envValue),
			config: fileCfg,
			wantErr: []string{
				"Missing required secret for file ~/.aws/credentials",
				"Add AWS credentials.",
				`coder secret create aws-credentials --file '~/.aws/credentials' < ./credentials`,
			},
		},
		{
			name:   "withheld short value on start build",
			env:    with(start, "CODER_SECRET_WITHHELD", fileVar+",CODER_SECRET_ENV_GITHUB_TOKEN"),
			config: envCfg, wantID: "env:GITHUB_TOKEN", wantValue: "",
		},
		{
			name:   "stop build",
			env:    map[string]string{"CODER_WORKSPACE_BUILD_ID": "b2", "CODER_WORKSPACE_TRANSITION": "stop"},
			config: envCfg, wantID: "env:GITHUB_TOKEN", wantValue: "",
		},
		{
			name:   "delete build",
			env:    map[string]string{"CODER_WORKSPACE_BUILD_ID": "b3", "CODER_WORKSPACE_TRANSITION": "delete"},
			config: fileCfg, wantID: "file:~/.aws/credentials", wantValue: "",
		},
		{
			name:   "plan without build",
			env:    map[string]string{},
			config: envCfg, wantID: "env:GITHUB_TOKEN", wantValue: "",
		},
		{
			name:   "start transition without build id",
			env:    map[string]string{"CODER_WORKSPACE_TRANSITION": "start"},
			config: fileCfg, wantID: "file:~/.aws/credentials", wantValue: "",
		},
		{
			name:   "stop build with a value",
			env:    map[string]string{"CODER_WORKSPACE_BUILD_ID": "b4", "CODER_WORKSPACE_TRANSITION": "stop", "CODER_SECRET_ENV_GITHUB_TOKEN": envValue},
			config: envCfg, wantID: "env:GITHUB_TOKEN", wantValue: envValue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			got, diags := s.readDataSource("coder_secret", tt.config)
			for _, d := range diags {
				for _, v := range []string{envValue, fileValue} {
					if strings.Contains(d.Summary+d.Detail, v) {
						t.Fatalf("got a secret value in a diagnostic, want none")
					}
				}
			}
			if tt.wantErr != nil {
				if !diagsContain(diags, tt.wantErr...) {
					t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			if hasError(diags) {
				t.Fatalf("got diagnostics %s, want no error", diagText(diags))
			}
			if got["id"] != tt.wantID {
				t.Errorf("id: got %v, want %q", got["id"], tt.wantID)
			}
			if got["value"] != tt.wantValue {
				// Never print a value.
				t.Errorf("value: got a value of %d bytes, want one of %d bytes", len(got["value"].(string)), len(tt.wantValue))
			}
		})
	}
}

func TestSecretValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		config  map[string]any
		wantErr string // "" for none
	}{
		{"env", map[string]any{"env": "API_KEY", "help_message": "h"}, ""},
		{"file in home", map[string]any{"file": "~/.config/x.json", "help_message": "h"}, ""},
		{"absolute file", map[string]any{"file": "/etc/x", "help_message": "h"}, ""},
		{"neither", map[string]any{"help_message": "h"}, "Exactly one of these attributes must be configured: [env,file]"},
		{"both", map[string]any{"env": "A", "file": "/a", "help_message": "h"}, "Invalid Attribute Combination"},
		{"reserved env", map[string]any{"env": "PATH", "help_message": "h"}, "reserved"},
		{"reserved prefix", map[string]any{"env": "CODER_X", "help_message": "h"}, "reserved"},
		{"bad env", map[string]any{"env": "1BAD", "help_message": "h"}, "Invalid secret environment variable name"},
		{"relative file", map[string]any{"file": "x/y", "help_message": "h"}, "must start with ~/ or /"},
		{"directory file", map[string]any{"file": "~/dir/", "help_message": "h"}, "names a directory"},
		{"empty env", map[string]any{"env": "", "help_message": "h"}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			_, diags := s.readDataSource("coder_secret", tt.config)
			if tt.wantErr == "" {
				if hasError(diags) {
					t.Errorf("got diagnostics %s, want no error", diagText(diags))
				}
				return
			}
			if !diagsContain(diags, tt.wantErr) {
				t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
			}
		})
	}
}

func TestSecretSchemaFlags(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	got := attributeFlags(s.schemas.DataSourceSchemas["coder_secret"].Block)
	want := map[string]string{
		"id":           "string computed",
		"env":          "string optional",
		"file":         "string optional",
		"help_message": "string required",
		"value":        "string computed,sensitive",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
}
