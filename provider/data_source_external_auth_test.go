package provider

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/usersecrets/coder/sdk/buildenv"
)

func TestEnvironmentDataSources(t *testing.T) {
	t.Parallel()
	arch := runtime.GOARCH
	if arch == "arm" {
		arch = "armv7"
	}
	tests := []struct {
		name, typ string
		env       map[string]string
		config    map[string]any
		want      map[string]any
	}{
		{"external auth with a token", "coder_external_auth", map[string]string{buildenv.ExternalAuthAccessToken("github"): "gho_x"},
			map[string]any{"id": "github"}, map[string]any{"id": "github", "access_token": "gho_x", "optional": nil}},
		{"external auth without a token", "coder_external_auth", nil,
			map[string]any{"id": "gitlab", "optional": true}, map[string]any{"id": "gitlab", "access_token": "", "optional": true}},
		{"provisioner", "coder_provisioner", nil, map[string]any{}, map[string]any{"os": runtime.GOOS, "arch": arch}},
		{"workspace tags", "coder_workspace_tags", nil, map[string]any{"tags": map[string]any{"a": "b"}},
			map[string]any{"tags": map[string]any{"a": "b"}}},
		{"script order", "coder_script_order", nil,
			map[string]any{"rule": []any{map[string]any{"run": []any{"coder_script.a"}, "after": []any{"module.b"}}}},
			map[string]any{"rule": []any{map[string]any{"run": []any{"coder_script.a"}, "after": []any{"module.b"}, "requires": "success", "phase": ""}}}},
		{"claimed prebuild", "coder_workspace", map[string]string{envIsPrebuildClaim: "True"}, map[string]any{},
			map[string]any{"is_prebuild_claim": true, "is_prebuild": false, "prebuild_count": 0.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			state, diags := s.readDataSource(tt.typ, tt.config)
			if hasError(diags) {
				t.Fatalf("got %s, want no error", diagText(diags))
			}
			got := map[string]any{}
			for k := range tt.want {
				got[k] = state[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}
