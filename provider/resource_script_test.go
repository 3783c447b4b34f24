package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScript(t *testing.T) {
	t.Parallel()
	base := func(overrides map[string]any) map[string]any {
		c := map[string]any{"agent_id": "a", "display_name": "Setup", "script": "echo hi"}
		for k, v := range overrides {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name    string
		config  map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name:   "start script with defaults",
			config: base(map[string]any{"run_on_start": true}),
			want:   map[string]any{"run_on_start": true, "run_on_stop": false, "start_blocks_login": false, "timeout": 0.0, "cron": nil},
		},
		{
			name:   "blocking start script",
			config: base(map[string]any{"run_on_start": true, "start_blocks_login": true, "timeout": 60, "log_path": "x.log"}),
			want:   map[string]any{"start_blocks_login": true, "timeout": 60.0, "log_path": "x.log"},
		},
		{
			name:   "stop script",
			config: base(map[string]any{"run_on_stop": true, "icon": "/icon/x.svg"}),
			want:   map[string]any{"run_on_stop": true, "icon": "/icon/x.svg"},
		},
		{
			name:   "cron script",
			config: base(map[string]any{"cron": "0 */5 * * * *"}),
			want:   map[string]any{"cron": "0 */5 * * * *", "run_on_start": false},
		},
		{name: "never runs", config: base(nil), wantErr: "Script never runs"},
		{name: "blocks login without start", config: base(map[string]any{"run_on_stop": true, "start_blocks_login": true}), wantErr: "start_blocks_login can only be set"},
		{name: "bad cron", config: base(map[string]any{"cron": "every day"}), wantErr: "Invalid cron expression"},
		{name: "negative timeout", config: base(map[string]any{"run_on_start": true, "timeout": -5}), wantErr: "at least 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			if tt.wantErr != "" {
				if diags := s.validateResource("coder_script", tt.config); !diagsContain(diags, tt.wantErr) {
					t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			_, _, state := s.create("coder_script", tt.config)
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

func TestCheckCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr  string
		valid bool
	}{
		{"0 0 22 * * *", true},
		{"0 */5 * * * *", true},
		{"0 30 9 * * MON-FRI", true},
		{"0 0 12 1 JAN", true},
		{"@daily", true},
		{"@every 1h30m", true},
		{"", false},
		{"* * * *", false},
		{"0 0 0 0 0 0 0", false},
		{"@sometimes", false},
		{"@every", false},
		{"0 0 22 * * $(rm)", false},
	}
	for _, tt := range tests {
		if err := checkCron(tt.expr); (err == nil) != tt.valid {
			t.Errorf("checkCron(%q): got error %v, want valid=%v", tt.expr, err, tt.valid)
		}
	}
}
