package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAgentPlanConventions checks the conventions of terraform-plugin-sdk
// that compatServer gives coder_agent: without a display_apps block the
// plan has an unknown block and the state one of defaults; unset metadata
// arguments are planned null and stored as zero values; and a second plan
// of the same configuration replaces nothing.
func TestAgentPlanConventions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	l, planned, state := s.create("coder_agent", map[string]any{
		"os": "linux", "arch": "amd64",
		"metadata": []any{map[string]any{"key": "k", "script": "s", "interval": 5}},
	})
	if got := planned["display_apps"]; got != "<unknown>" {
		t.Errorf("planned display_apps: got %v, want unknown", got)
	}
	wantApps := []any{map[string]any{
		"vscode": true, "vscode_insiders": false, "web_terminal": true, "ssh_helper": true, "port_forwarding_helper": true,
	}}
	if diff := cmp.Diff(wantApps, state["display_apps"]); diff != "" {
		t.Errorf("stored display_apps (-want +got):\n%s", diff)
	}
	wantPlanned := []any{map[string]any{"key": "k", "script": "s", "interval": 5.0, "display_name": nil, "timeout": nil, "order": nil}}
	if diff := cmp.Diff(wantPlanned, planned["metadata"]); diff != "" {
		t.Errorf("planned metadata (-want +got):\n%s", diff)
	}
	wantStored := []any{map[string]any{"key": "k", "script": "s", "interval": 5.0, "display_name": "", "timeout": 0.0, "order": 0.0}}
	if diff := cmp.Diff(wantStored, state["metadata"]); diff != "" {
		t.Errorf("stored metadata (-want +got):\n%s", diff)
	}
	if _, replace := l.replan(); replace {
		t.Errorf("second plan: got a replacement, want none")
	}
}

func TestSchemaLimits(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	for typ, limits := range blockLimits {
		sch, ok := s.schemas.ResourceSchemas[typ]
		if !ok {
			sch, ok = s.schemas.DataSourceSchemas[typ]
		}
		if !ok {
			t.Errorf("blockLimits: no type %s", typ)
			continue
		}
		flags := attributeFlags(sch.Block)
		for p := range limits {
			if _, ok := flags[p]; !ok {
				t.Errorf("blockLimits: %s has no block %s", typ, p)
			}
		}
	}
	for typ, defaults := range resourceDefaults {
		sch, ok := s.schemas.ResourceSchemas[typ]
		if !ok {
			t.Errorf("resourceDefaults: no resource %s", typ)
			continue
		}
		flags := attributeFlags(sch.Block)
		for p := range defaults {
			if _, ok := flags[p]; !ok {
				t.Errorf("resourceDefaults: %s has no argument %s", typ, p)
			}
		}
	}
	for typ := range dataSourceVersions {
		sch, ok := s.schemas.DataSourceSchemas[typ]
		if !ok {
			t.Errorf("dataSourceVersions: no data source %s", typ)
			continue
		}
		if sch.Version != dataSourceVersions[typ] {
			t.Errorf("data source %s: got version %d, want %d", typ, sch.Version, dataSourceVersions[typ])
		}
	}
}
