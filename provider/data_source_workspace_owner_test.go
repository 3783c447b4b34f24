package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWorkspaceOwnerRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    map[string]any
		wantErr string
	}{
		{
			name: "build",
			env: map[string]string{
				"CODER_WORKSPACE_OWNER_ID":                "u-1",
				"CODER_WORKSPACE_OWNER":                   "alice",
				"CODER_WORKSPACE_OWNER_NAME":              "Alice Liddell",
				"CODER_WORKSPACE_OWNER_EMAIL":             "alice@example.com",
				"CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY":    "ssh-ed25519 AAAA",
				"CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY":   "private",
				"CODER_WORKSPACE_OWNER_GROUPS":            `["dev","ops"]`,
				"CODER_WORKSPACE_OWNER_SESSION_TOKEN":     "session",
				"CODER_WORKSPACE_OWNER_OIDC_ACCESS_TOKEN": "oidc-access",
				"CODER_WORKSPACE_OWNER_OIDC_ID_TOKEN":     "oidc-id",
				"CODER_WORKSPACE_OWNER_LOGIN_TYPE":        "oidc",
				"CODER_WORKSPACE_OWNER_RBAC_ROLES":        `[{"name":"member","org_id":""},{"name":"admin","org_id":"o-1"}]`,
			},
			want: map[string]any{
				"id": "u-1", "name": "alice", "full_name": "Alice Liddell", "email": "alice@example.com",
				"ssh_public_key": "ssh-ed25519 AAAA", "ssh_private_key": "private",
				"groups": []any{"dev", "ops"}, "session_token": "session",
				"oidc_access_token": "oidc-access", "oidc_id_token": "oidc-id", "login_type": "oidc",
				"rbac_roles": []any{
					map[string]any{"name": "member", "org_id": ""},
					map[string]any{"name": "admin", "org_id": "o-1"},
				},
			},
		},
		{
			name: "no build",
			env:  map[string]string{},
			want: map[string]any{
				"name": "default", "full_name": "default", "email": "default@example.com",
				"ssh_public_key": "", "ssh_private_key": "", "groups": []any{}, "session_token": "",
				"oidc_access_token": "", "oidc_id_token": "", "login_type": nil, "rbac_roles": []any{},
			},
		},
		{
			name:    "bad groups",
			env:     map[string]string{"CODER_WORKSPACE_OWNER_GROUPS": `dev,ops`},
			wantErr: "CODER_WORKSPACE_OWNER_GROUPS must be a JSON array of strings",
		},
		{
			name:    "bad roles",
			env:     map[string]string{"CODER_WORKSPACE_OWNER_RBAC_ROLES": `["member"]`},
			wantErr: "CODER_WORKSPACE_OWNER_RBAC_ROLES must be a JSON array",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			state, diags := s.readDataSource("coder_workspace_owner", map[string]any{})
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
		})
	}
}
