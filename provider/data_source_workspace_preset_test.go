package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWorkspacePresetRead(t *testing.T) {
	t.Parallel()
	prebuilds := func(ttl int, crons ...string) []any {
		var schedules []any
		for _, c := range crons {
			schedules = append(schedules, map[string]any{"cron": c, "instances": 1})
		}
		p := map[string]any{"instances": 2, "expiration_policy": []any{}, "scheduling": []any{}}
		if ttl >= 0 {
			p["expiration_policy"] = []any{map[string]any{"ttl": ttl}}
		}
		if len(crons) > 0 {
			p["scheduling"] = []any{map[string]any{"timezone": "UTC", "schedule": schedules}}
		}
		return []any{p}
	}
	tests := []struct {
		name    string
		config  map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name:   "plain preset",
			config: map[string]any{"name": "Small", "parameters": map[string]any{"cpu": "2"}},
			want:   map[string]any{"id": "Small", "default": false, "prebuilds": nil, "parameters": map[string]any{"cpu": "2"}},
		},
		{"empty name", map[string]any{"name": ""}, nil, "at least 1"},
		{"empty parameter value", map[string]any{"name": "a", "parameters": map[string]any{"cpu": ""}}, nil, "at least 1"},
		{"ttl of 0", map[string]any{"name": "a", "prebuilds": prebuilds(0)}, map[string]any{"id": "a"}, ""},
		{"ttl of an hour", map[string]any{"name": "a", "prebuilds": prebuilds(3600)}, map[string]any{"id": "a"}, ""},
		{"ttl too short", map[string]any{"name": "a", "prebuilds": prebuilds(3599)}, nil, "must be 0 or between 3600 and 31536000, got 3599"},
		{"ttl too long", map[string]any{"name": "a", "prebuilds": prebuilds(31536001)}, nil, "must be 0 or between 3600 and 31536000"},
		{"schedules apart", map[string]any{"name": "a", "prebuilds": prebuilds(-1, "* 8-12 * * 1-5", "* 13-18 * * 1-5", "* 8-18 * * 0,6")}, map[string]any{"id": "a"}, ""},
		{"schedules overlap", map[string]any{"name": "a", "prebuilds": prebuilds(-1, "* 8-12 * * 1-5", "* 12-18 * * 5")}, nil,
			"schedules overlap with each other: schedules overlap: * 8-12 * * 1-5 and * 12-18 * * 5"},
		{"minute not *", map[string]any{"name": "a", "prebuilds": prebuilds(-1, "0 8 * * *")}, nil, "cron spec failed validation: minute field should be *"},
		{"four fields", map[string]any{"name": "a", "prebuilds": prebuilds(-1, "* 8 * *")}, nil, "cron specification should consist of 5 fields"},
		{"hour out of range", map[string]any{"name": "a", "prebuilds": prebuilds(-1, "* 25 * * *")}, nil, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			state, diags := s.readDataSource("coder_workspace_preset", tt.config)
			if tt.wantErr != "" {
				if !diagsContain(diags, tt.wantErr) {
					t.Fatalf("got %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
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
