package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMetadataLifecycle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	_, planned, state := s.create("coder_metadata", map[string]any{
		"resource_id": "r",
		"item": []any{
			map[string]any{"key": "a", "value": "1", "sensitive": true},
			map[string]any{"key": "b"},
		},
	})
	// v2 plans a missing value as null and stores it as "" with is_null.
	wantPlanned := []any{
		map[string]any{"key": "a", "value": "1", "sensitive": true, "is_null": "<unknown>"},
		map[string]any{"key": "b", "value": nil, "sensitive": false, "is_null": "<unknown>"},
	}
	wantState := []any{
		map[string]any{"key": "a", "value": "1", "sensitive": true, "is_null": false},
		map[string]any{"key": "b", "value": "", "sensitive": false, "is_null": true},
	}
	if diff := cmp.Diff(wantPlanned, planned["item"]); diff != "" {
		t.Errorf("planned items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantState, state["item"]); diff != "" {
		t.Errorf("stored items (-want +got):\n%s", diff)
	}
	for k, want := range map[string]any{"hide": nil, "daily_cost": nil, "icon": nil} {
		if state[k] != want {
			t.Errorf("%s: got %v, want %v", k, state[k], want)
		}
	}
}
