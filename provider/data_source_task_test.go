package provider

import (
	"testing"

	"github.com/google/uuid"
)

func TestTaskRead(t *testing.T) {
	t.Parallel()
	const id = "3f0b7e52-6f1f-4c6e-9a55-0f6a2b1c9d8e"
	tests := []struct {
		name        string
		env         map[string]string
		wantID      string // "random" for a fresh UUID
		wantEnabled bool
		wantPrompt  string
		wantErr     string
	}{
		{"no task", nil, "random", false, "", ""},
		{"nil task", map[string]string{envTaskID: uuid.Nil.String()}, "random", false, "", ""},
		{"task", map[string]string{envTaskID: id, envTaskPrompt: "Fix it."}, id, true, "Fix it.", ""},
		{"not a UUID", map[string]string{envTaskID: "task-1"}, "", false, "", "invalid UUID length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			state, diags := s.readDataSource("coder_task", map[string]any{})
			if tt.wantErr != "" {
				if !diagsContain(diags, tt.wantErr) {
					t.Fatalf("got %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			if hasError(diags) {
				t.Fatalf("got %s, want no error", diagText(diags))
			}
			gotID, _ := state["id"].(string)
			if tt.wantID == "random" {
				if _, err := uuid.Parse(gotID); err != nil || gotID == uuid.Nil.String() {
					t.Errorf("id: got %q, want a random UUID", gotID)
				}
			} else if gotID != tt.wantID {
				t.Errorf("id: got %q, want %q", gotID, tt.wantID)
			}
			if state["enabled"] != tt.wantEnabled || state["prompt"] != tt.wantPrompt {
				t.Errorf("got enabled %v, prompt %q; want %v, %q", state["enabled"], state["prompt"], tt.wantEnabled, tt.wantPrompt)
			}
		})
	}
}

func TestAITaskLifecycle(t *testing.T) {
	t.Parallel()
	const appID = "7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
	const taskID = "3f0b7e52-6f1f-4c6e-9a55-0f6a2b1c9d8e"
	tests := []struct {
		name   string
		env    map[string]string
		config map[string]any
		want   map[string]any
	}{
		{"app_id outside a task", nil, map[string]any{"app_id": appID},
			map[string]any{"app_id": appID, "enabled": false, "prompt": nil}},
		{"sidebar_app in a task", map[string]string{envTaskID: taskID, envTaskPrompt: "Go."},
			map[string]any{"sidebar_app": []any{map[string]any{"id": appID}}},
			map[string]any{"app_id": appID, "enabled": true, "prompt": "Go.", "id": taskID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.env, nil)
			_, _, state := s.create("coder_ai_task", tt.config)
			for k, want := range tt.want {
				if state[k] != want {
					t.Errorf("%s: got %v, want %v", k, state[k], want)
				}
			}
		})
	}
	s := newTestServer(t, nil, nil)
	if diags := s.validateResource("coder_ai_task", map[string]any{"app_id": "app"}); !diagsContain(diags, "must be a UUID") {
		t.Errorf("app_id not a UUID: got %s, want an error", diagText(diags))
	}
}
