package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// agentConfig is a coder_agent configuration: overrides on top of os and
// arch, with absent blocks empty, as Terraform sends them.
func agentConfig(overrides map[string]any) map[string]any {
	c := map[string]any{
		"os": "linux", "arch": "amd64",
		"metadata": []any{}, "display_apps": []any{}, "resources_monitoring": []any{},
	}
	for k, v := range overrides {
		c[k] = v
	}
	return c
}

func TestAgentLifecycle(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CODER_AGENT_URL":                  "https://coder.example.com:8443/ignored/path",
		"CODER_AGENT_SCRIPT_linux_amd64":   "fetch ${ACCESS_URL}bin && run --auth ${AUTH_TYPE}",
		"CODER_AGENT_SCRIPT_windows_arm64": "windows script",
	}
	s := newTestServer(t, env, nil)
	l, planned, state := s.create("coder_agent", agentConfig(map[string]any{
		"dir":          "/w",
		"env":          map[string]any{"A": "1"},
		"display_apps": []any{map[string]any{"vscode": false}},
		"metadata":     []any{map[string]any{"key": "k", "script": "s", "interval": 5}},
	}))

	for _, k := range []string{"id", "token", "init_script"} {
		if planned[k] != unknown {
			t.Errorf("planned %s: got %v, want unknown until apply", k, planned[k])
		}
	}
	wantDefaults := map[string]any{
		"auth": "token", "startup_script_behavior": "non-blocking", "connection_timeout": 120.0, "api_key_scope": "all",
		"display_apps": []any{map[string]any{
			"vscode": false, "vscode_insiders": false, "web_terminal": true, "ssh_helper": true, "port_forwarding_helper": true,
		}},
		"metadata":    []any{map[string]any{"key": "k", "script": "s", "interval": 5.0, "display_name": "", "timeout": 0.0, "order": 0.0}},
		"env":         map[string]any{"A": "1"},
		"dir":         "/w",
		"init_script": "fetch https://coder.example.com:8443/bin && run --auth token",
	}
	got := map[string]any{}
	for k := range wantDefaults {
		got[k] = state[k]
	}
	if diff := cmp.Diff(wantDefaults, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	token, _ := state["token"].(string)
	if _, err := uuid.Parse(token); err != nil {
		t.Errorf("token: got a value that is not a UUID (%v), want a random UUID", err)
	}
	if id, _ := state["id"].(string); id == token || uuid.Validate(id) != nil {
		t.Errorf("id: got %q, want a UUID other than the token", id)
	}

	// Refreshing and planning again keep the token and need no change.
	if refreshed := l.refresh(); refreshed["token"] != token || refreshed["id"] != state["id"] {
		t.Errorf("refresh changed the token or the id, want both kept")
	}
	replanned, replace := l.replan()
	if replace || replanned["token"] != token {
		t.Errorf("second plan: got replace=%v and a token kept=%v, want no replacement and the token kept", replace, replanned["token"] == token)
	}

	// A second agent gets a token of its own.
	_, _, other := s.create("coder_agent", agentConfig(nil))
	if other["token"] == token {
		t.Errorf("two agents got the same token, want distinct random tokens")
	}
}

func TestAgentInitScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		config map[string]any
		want   string
	}{
		{
			name:   "no script in the environment",
			env:    map[string]string{},
			config: agentConfig(nil),
			want:   "",
		},
		{
			name:   "per os and arch",
			env:    map[string]string{"CODER_AGENT_URL": "http://c.test", "CODER_AGENT_SCRIPT_darwin_arm64": "${ACCESS_URL}|${AUTH_TYPE}", "CODER_AGENT_SCRIPT_linux_amd64": "wrong"},
			config: agentConfig(map[string]any{"os": "darwin", "arch": "arm64", "auth": "aws-instance-identity"}),
			want:   "http://c.test/|aws-instance-identity",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			_, _, state := s.create("coder_agent", tt.config)
			if got := state["init_script"]; got != tt.want {
				t.Errorf("init_script: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAgentValidate(t *testing.T) {
	t.Parallel()
	meta := func(key string) map[string]any { return map[string]any{"key": key, "script": "s", "interval": 1} }
	volume := func(path string) map[string]any {
		return map[string]any{"path": path, "enabled": true, "threshold": 50}
	}
	monitoring := func(volumes ...any) []any {
		return []any{map[string]any{"memory": []any{}, "volume": volumes}}
	}
	tests := []struct {
		name    string
		config  map[string]any
		wantErr string
	}{
		{"minimal", agentConfig(nil), ""},
		{"bad os", agentConfig(map[string]any{"os": "plan9"}), "value must be one of"},
		{"bad arch", agentConfig(map[string]any{"arch": "386"}), "value must be one of"},
		{"bad auth", agentConfig(map[string]any{"auth": "password"}), "value must be one of"},
		{"bad behavior", agentConfig(map[string]any{"startup_script_behavior": "sometimes"}), "value must be one of"},
		{"bad scope", agentConfig(map[string]any{"api_key_scope": "none"}), "value must be one of"},
		{"negative timeout", agentConfig(map[string]any{"connection_timeout": -1}), "at least 0"},
		{"bad env name", agentConfig(map[string]any{"env": map[string]any{"1X": "v"}}), "Invalid environment variable name"},
		{"env name PATH", agentConfig(map[string]any{"env": map[string]any{"PATH": "/bin"}}), ""},
		{"unique metadata", agentConfig(map[string]any{"metadata": []any{meta("a"), meta("b")}}), ""},
		{"duplicate metadata", agentConfig(map[string]any{"metadata": []any{meta("a"), meta("a")}}), "Duplicate agent metadata key"},
		{"two display_apps", agentConfig(map[string]any{"display_apps": []any{map[string]any{"vscode": true}, map[string]any{"vscode": false}}}), "at most 1"},
		{"volumes", agentConfig(map[string]any{"resources_monitoring": monitoring(volume("/"), volume("/home"))}), ""},
		{"duplicate volume", agentConfig(map[string]any{"resources_monitoring": monitoring(volume("/a"), map[string]any{"path": "/a", "enabled": false, "threshold": 50})}), "Duplicate volume path"},
		{"relative volume", agentConfig(map[string]any{"resources_monitoring": monitoring(volume("a"))}), "must be absolute"},
		{"threshold above 100", agentConfig(map[string]any{"resources_monitoring": []any{map[string]any{
			"memory": []any{map[string]any{"enabled": true, "threshold": 101}}, "volume": []any{},
		}}}), "between 0 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			diags := s.validateResource("coder_agent", tt.config)
			if tt.wantErr == "" {
				if len(diags) > 0 {
					t.Errorf("got diagnostics %s, want none", diagText(diags))
				}
				return
			}
			if !diagsContain(diags, tt.wantErr) {
				t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
			}
		})
	}
}
