package provider

import "testing"

func TestAppValidate(t *testing.T) {
	t.Parallel()
	app := func(extra map[string]any) map[string]any {
		c := map[string]any{"agent_id": "a", "slug": "code"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'x'
		}
		return string(b)
	}
	healthcheck := []any{map[string]any{"url": "http://localhost/h", "interval": 5, "threshold": 3}}
	tests := []struct {
		name    string
		config  map[string]any
		wantErr string // "" for none
	}{
		{"url app", app(map[string]any{"url": "http://localhost:8080", "healthcheck": healthcheck, "subdomain": true}), ""},
		{"command app", app(map[string]any{"command": "htop"}), ""},
		{"external app", app(map[string]any{"url": "vscode://coder.coder-remote/open", "external": true}), ""},
		{"slug with upper case", app(map[string]any{"slug": "Code"}), `invalid "coder_app" slug`},
		{"slug with two hyphens", app(map[string]any{"slug": "a--b"}), `invalid "coder_app" slug`},
		{"slug ending in a hyphen", app(map[string]any{"slug": "a-"}), `invalid "coder_app" slug`},
		{"display name of 64", app(map[string]any{"display_name": long(64)}), ""},
		{"display name of 65", app(map[string]any{"display_name": long(65)}), "display name is too long (max 64 characters)"},
		{"group of 65", app(map[string]any{"group": long(65)}), "group name is too long (max 64 characters)"},
		{"tooltip of 2049", app(map[string]any{"tooltip": long(2049)}), "tooltip is too long (max 2048 characters)"},
		{"bad share", app(map[string]any{"share": "all"}), `invalid app share "all"`},
		{"bad open_in", app(map[string]any{"open_in": "popup"}), `invalid "coder_app" open_in value`},
		{"command and url", app(map[string]any{"command": "a", "url": "http://x"}), `"command": conflicts with url`},
		{"command and subdomain", app(map[string]any{"command": "a", "subdomain": false}), `"command": conflicts with subdomain`},
		{"command and healthcheck", app(map[string]any{"command": "a", "healthcheck": healthcheck}), `"healthcheck": conflicts with command`},
		{"external and share", app(map[string]any{"url": "https://x", "external": true, "share": "owner"}), `"external": conflicts with share`},
		{"external without scheme", app(map[string]any{"url": "example.com", "external": true}), `must include a scheme`},
		{"external without host", app(map[string]any{"url": "https://", "external": true}), `"https" URLs must include a host`},
		{"external without url", app(map[string]any{"external": true}), `must include a scheme`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil, nil)
			diags := s.validateResource("coder_app", tt.config)
			switch {
			case tt.wantErr == "" && hasError(diags):
				t.Errorf("got %s, want no error", diagText(diags))
			case tt.wantErr != "" && !diagsContain(diags, tt.wantErr):
				t.Errorf("got %s, want an error with %q", diagText(diags), tt.wantErr)
			}
		})
	}
}

func TestAppLifecycle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	l, planned, state := s.create("coder_app", map[string]any{"agent_id": "a", "slug": "code", "url": "http://localhost"})
	for k, want := range map[string]any{"share": "owner", "open_in": "slim-window", "hidden": false, "external": false, "subdomain": nil} {
		if planned[k] != want || state[k] != want {
			t.Errorf("%s: got planned %v and stored %v, want %v", k, planned[k], state[k], want)
		}
	}
	if id, _ := state["id"].(string); len(id) != 36 {
		t.Errorf("id: got %q, want a UUID", id)
	}
	if _, replace := l.replan(); replace {
		t.Errorf("replan: got a replacement, want none")
	}
}
