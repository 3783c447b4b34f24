package placement_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

func TestBuildEnvFor(t *testing.T) {
	t.Parallel()
	agentEnv := func(name, value string) sdk.EnvVar {
		return sdk.EnvVar{Name: name, Value: value, MergeStrategy: sdk.MergeReplace, Source: "coder_agent"}
	}
	coderEnv := func(name, value, strategy string) sdk.EnvVar {
		return sdk.EnvVar{Name: name, Value: value, MergeStrategy: strategy, Source: "coder_env"}
	}
	secret := func(name, env, value string) sdk.WorkspaceSecret {
		return sdk.WorkspaceSecret{Name: name, EnvName: env, Value: sdk.SecretValue(value)}
	}
	tests := []struct {
		name     string
		goos     string
		base     []string
		template []sdk.EnvVar
		secrets  []sdk.WorkspaceSecret
		want     []string
	}{
		{
			name: "empty",
			goos: "linux",
			want: []string{},
		},
		{
			name: "base sorted, agent-private removed",
			goos: "linux",
			base: []string{"PATH=/bin", "CODER_AGENT_TOKEN=tok", "CODER_AGENT_URL=http://x", "CODER_AGENT_LOG_DIR=/l", "HOME=/h", "CODER_SESSION_TOKEN=s", "CODER_WORKSPACE_NAME=w", "TF_PLUGIN_MAGIC_COOKIE=c"},
			want: []string{"CODER_WORKSPACE_NAME=w", "HOME=/h", "PATH=/bin"},
		},
		{
			name: "base duplicates: last wins; malformed dropped",
			goos: "linux",
			base: []string{"A=1", "noequals", "A=2", "=x", "B=", "C=a=b"},
			want: []string{"A=2", "B=", "C=a=b"},
		},
		{
			name:     "template replaces base",
			goos:     "linux",
			base:     []string{"EDITOR=vi"},
			template: []sdk.EnvVar{agentEnv("EDITOR", "nano")},
			want:     []string{"EDITOR=nano"},
		},
		{
			name:     "coder_env after coder_agent env",
			goos:     "linux",
			template: []sdk.EnvVar{agentEnv("X", "agent"), coderEnv("X", "env", sdk.MergeReplace)},
			want:     []string{"X=env"},
		},
		{
			name:     "append and prepend on base",
			goos:     "linux",
			base:     []string{"PATH=/usr/bin", "P=mid"},
			template: []sdk.EnvVar{coderEnv("PATH", "/opt/bin", sdk.MergeAppend), coderEnv("P", "first", sdk.MergePrepend)},
			want:     []string{"P=first:mid", "PATH=/usr/bin:/opt/bin"},
		},
		{
			name:     "append and prepend to nothing or empty",
			goos:     "linux",
			base:     []string{"E="},
			template: []sdk.EnvVar{coderEnv("A", "a", sdk.MergeAppend), coderEnv("P", "p", sdk.MergePrepend), coderEnv("E", "e", sdk.MergeAppend)},
			want:     []string{"A=a", "E=e", "P=p"},
		},
		{
			name:     "chain in order",
			goos:     "linux",
			template: []sdk.EnvVar{agentEnv("L", "b"), coderEnv("L", "c", sdk.MergeAppend), coderEnv("L", "a", sdk.MergePrepend)},
			want:     []string{"L=a:b:c"},
		},
		{
			name:     "error strategy replaces; unknown strategy replaces",
			goos:     "linux",
			base:     []string{"A=old", "B=old"},
			template: []sdk.EnvVar{coderEnv("A", "new", sdk.MergeError), coderEnv("B", "new", "")},
			want:     []string{"A=new", "B=new"},
		},
		{
			name:     "user secret beats coder_agent env and coder_env",
			goos:     "linux",
			base:     []string{"API_KEY=from-agent-env"},
			template: []sdk.EnvVar{agentEnv("API_KEY", "agent"), coderEnv("API_KEY", "env", sdk.MergeAppend)},
			secrets:  []sdk.WorkspaceSecret{secret("api-key", "API_KEY", "secret")},
			want:     []string{"API_KEY=secret"},
		},
		{
			name:    "secrets without env target ignored",
			goos:    "linux",
			secrets: []sdk.WorkspaceSecret{{Name: "f", FilePath: "~/f", Value: "v"}, secret("e", "E", "multi\nline\n")},
			want:    []string{"E=multi\nline\n"},
		},
		{
			name:     "invalid template entries dropped",
			goos:     "linux",
			template: []sdk.EnvVar{coderEnv("", "x", ""), coderEnv("A=B", "x", ""), coderEnv("N", "a\x00b", "")},
			want:     []string{},
		},
		{
			name:     "template may set agent-private names (only the agent's own are removed)",
			goos:     "linux",
			base:     []string{"CODER_AGENT_TOKEN=tok"},
			template: []sdk.EnvVar{agentEnv("CODER_AGENT_X", "t")},
			want:     []string{"CODER_AGENT_X=t"},
		},
		{
			name:     "linux names are case-sensitive",
			goos:     "linux",
			base:     []string{"Path=a"},
			template: []sdk.EnvVar{coderEnv("PATH", "b", sdk.MergeAppend)},
			want:     []string{"PATH=b", "Path=a"},
		},
		{
			name:     "windows: case-insensitive, first spelling kept, ; separator",
			goos:     "windows",
			base:     []string{`=C:=C:\work`, `Path=C:\Windows`, "coder_agent_token=t", "Home=x"},
			template: []sdk.EnvVar{coderEnv("PATH", `C:\tools`, sdk.MergeAppend), coderEnv("path", `C:\first`, sdk.MergePrepend)},
			secrets:  []sdk.WorkspaceSecret{secret("h", "HOME_DIR", "s"), secret("k", "HOME", "y")},
			want:     []string{`=C:=C:\work`, "Home=y", "HOME_DIR=s", `Path=C:\first;C:\Windows;C:\tools`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := placement.BuildEnvFor(tt.goos, tt.base, tt.template, tt.secrets)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BuildEnvFor: got -want +got:\n%s", diff)
			}
		})
	}
}

func TestIsAgentPrivate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"CODER_AGENT_TOKEN", true},
		{"CODER_AGENT_URL", true},
		{"coder_agent_token", true},
		{"CODER_SESSION_TOKEN", true},
		{"CODER_SECRET_ENV_API_KEY", true},
		{"CODER_SECRET_FILE_7e2f78", true},
		{"CODER_WORKSPACE_NAME", false},
		{"CODER", false},
		{"PATH", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := placement.IsAgentPrivate(tt.name); got != tt.want {
				t.Errorf("IsAgentPrivate(%q): got %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}
