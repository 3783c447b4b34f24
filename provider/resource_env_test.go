package provider

import "testing"

func TestEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		config       map[string]any
		wantStrategy string
		wantErr      string
	}{
		{"default strategy", map[string]any{"agent_id": "a", "name": "FOO", "value": "bar"}, "replace", ""},
		{"append", map[string]any{"agent_id": "a", "name": "PATH", "value": "/x", "merge_strategy": "append"}, "append", ""},
		{"prepend", map[string]any{"agent_id": "a", "name": "_X1", "merge_strategy": "prepend"}, "prepend", ""},
		{"error", map[string]any{"agent_id": "a", "name": "JAVA_HOME", "merge_strategy": "error"}, "error", ""},
		{"replace", map[string]any{"agent_id": "a", "name": "lower_case", "merge_strategy": "replace"}, "replace", ""},
		{"bad strategy", map[string]any{"agent_id": "a", "name": "FOO", "merge_strategy": "merge"}, "", "value must be one of"},
		{"bad name", map[string]any{"agent_id": "a", "name": "FOO-BAR"}, "", "Invalid environment variable name"},
		{"leading digit", map[string]any{"agent_id": "a", "name": "1FOO"}, "", "must start with a letter or an underscore"},
		{"empty name", map[string]any{"agent_id": "a", "name": ""}, "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			if tt.wantErr != "" {
				if diags := s.validateResource("coder_env", tt.config); !diagsContain(diags, tt.wantErr) {
					t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			_, _, state := s.create("coder_env", tt.config)
			if got := state["merge_strategy"]; got != tt.wantStrategy {
				t.Errorf("merge_strategy: got %v, want %q", got, tt.wantStrategy)
			}
			if id, _ := state["id"].(string); id == "" {
				t.Errorf("id: got %q, want a UUID", id)
			}
			if state["name"] != tt.config["name"] || state["value"] != tt.config["value"] {
				t.Errorf("name and value: got %v=%v, want %v=%v", state["name"], state["value"], tt.config["name"], tt.config["value"])
			}
		})
	}
}
