package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestWorkspaceRead(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		"CODER_AGENT_URL":                  "https://coder.example.com",
		"CODER_WORKSPACE_BUILD_ID":         "b1",
		"CODER_WORKSPACE_TRANSITION":       "stop",
		"CODER_WORKSPACE_ID":               "ws-1",
		"CODER_WORKSPACE_NAME":             "dev",
		"CODER_WORKSPACE_TEMPLATE_ID":      "tpl-1",
		"CODER_WORKSPACE_TEMPLATE_NAME":    "docker",
		"CODER_WORKSPACE_TEMPLATE_VERSION": "v3",
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    map[string]any
		wantErr string
	}{
		{
			name: "stop build",
			env:  full,
			want: map[string]any{
				"id": "ws-1", "name": "dev", "transition": "stop", "start_count": 0.0,
				"access_url": "https://coder.example.com", "access_port": 443.0,
				"template_id": "tpl-1", "template_name": "docker", "template_version": "v3",
				"is_prebuild": false, "prebuild_count": 0.0,
			},
		},
		{
			name: "start build of a prebuild",
			env: func() map[string]string {
				m := map[string]string{"CODER_WORKSPACE_TRANSITION": "start", "CODER_WORKSPACE_IS_PREBUILD": "true"}
				for k, v := range full {
					if _, ok := m[k]; !ok {
						m[k] = v
					}
				}
				return m
			}(),
			want: map[string]any{"transition": "start", "start_count": 1.0, "is_prebuild": true, "prebuild_count": 1.0},
		},
		{
			name: "no build",
			env:  map[string]string{},
			want: map[string]any{
				"name": "default", "transition": "start", "start_count": 1.0,
				"access_url": DefaultURL, "access_port": 3000.0, "template_id": "", "template_name": "", "template_version": "",
			},
		},
		{
			name:    "build without template",
			env:     map[string]string{"CODER_WORKSPACE_BUILD_ID": "b1"},
			wantErr: "CODER_WORKSPACE_TEMPLATE_ID is not set",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			state, diags := s.readDataSource("coder_workspace", map[string]any{})
			if tt.wantErr != "" {
				if !diagsContain(diags, tt.wantErr) {
					t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatalf("got diagnostics %s, want none", diagText(diags))
			}
			got := map[string]any{}
			for k := range tt.want {
				got[k] = state[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
			if id, _ := state["id"].(string); tt.env["CODER_WORKSPACE_ID"] == "" && uuid.Validate(id) != nil {
				t.Errorf("id without CODER_WORKSPACE_ID: got %q, want a random UUID", id)
			}
		})
	}
}
