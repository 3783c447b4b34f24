package provisioner

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// appsShow has two agents, apps for each (one of them for an agent not in
// the state), and coder_metadata on a resource with a sensitive item and
// an item that holds an owner's secret value.
const appsShow = `{
  "format_version": "1.0",
  "values": {"root_module": {"resources": [
    {"address": "coder_agent.b", "mode": "managed", "type": "coder_agent", "name": "b", "values": {"id": "ab", "token": "t2"}},
    {"address": "coder_agent.a", "mode": "managed", "type": "coder_agent", "name": "a", "values": {"id": "aa", "token": "t1"}},
    {"address": "coder_app.web", "mode": "managed", "type": "coder_app", "name": "web", "values": {
      "agent_id": "aa", "slug": "web", "display_name": "Web", "url": "http://localhost:8000", "order": 2, "share": "authenticated",
      "group": "g", "hidden": true, "subdomain": false, "external": false,
      "healthcheck": [{"url": "http://localhost:8000/healthz", "interval": 3, "threshold": 2}]}},
    {"address": "coder_app.cmd", "mode": "managed", "type": "coder_app", "name": "cmd", "values": {
      "agent_id": "aa", "slug": "cmd", "command": "echo hi", "order": 1, "healthcheck": []}},
    {"address": "coder_app.docs", "mode": "managed", "type": "coder_app", "name": "docs", "values": {
      "agent_id": "ab", "slug": "docs", "url": "https://example.com", "external": true}},
    {"address": "coder_app.stray", "mode": "managed", "type": "coder_app", "name": "stray", "values": {
      "agent_id": "gone", "slug": "stray", "command": "true"}},
    {"address": "coder_metadata.m", "mode": "managed", "type": "coder_metadata", "name": "m", "values": {
      "resource_id": "vm-1", "hide": false, "icon": "/i.svg", "daily_cost": 5, "item": [
        {"key": "region", "value": "eu-west", "sensitive": false},
        {"key": "password", "value": "hunter2-sensitive", "sensitive": true},
        {"key": "token", "value": "xx SECRETVALUE xx", "sensitive": false},
        {"key": "empty", "value": null, "sensitive": false}]}},
    {"address": "terraform_data.vm", "mode": "managed", "type": "terraform_data", "name": "vm", "values": {"id": "vm-1"}},
    {"address": "terraform_data.disk", "mode": "managed", "type": "terraform_data", "name": "disk", "values": {"id": "d-1"}}
  ]}}
}`

func TestParseAppsAndResources(t *testing.T) {
	st := decodeShow(t, appsShow)
	b := store.WorkspaceBuild{ID: uuid.New(), WorkspaceID: uuid.New()}
	agents, err := parseAgents(st, b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := parseApps(st, agents); err != nil {
		t.Fatalf("parseApps: %v", err)
	}
	appsOf := func(a store.WorkspaceAgent) []sdk.WorkspaceApp {
		var out []sdk.WorkspaceApp
		if err := json.Unmarshal(a.Apps, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Agents by address: coder_agent.a, then coder_agent.b.
	wantA := []sdk.WorkspaceApp{
		{Slug: "cmd", Command: "echo hi", Order: 1, Share: "owner"},
		{Slug: "web", DisplayName: "Web", URL: "http://localhost:8000", Order: 2, Share: "authenticated", Group: "g", Hidden: true,
			Healthcheck: &sdk.AppHealthcheck{URL: "http://localhost:8000/healthz", Interval: 3, Threshold: 2}},
	}
	if diff := cmp.Diff(wantA, appsOf(agents[0])); diff != "" {
		t.Errorf("apps of agent a (-want +got):\n%s", diff)
	}
	wantB := []sdk.WorkspaceApp{{Slug: "docs", URL: "https://example.com", External: true, Share: "owner"}}
	if diff := cmp.Diff(wantB, appsOf(agents[1])); diff != "" {
		t.Errorf("apps of agent b (-want +got):\n%s", diff)
	}

	redact := func(s string) string { return strings.ReplaceAll(s, "SECRETVALUE", "********") }
	res, err := parseResources(st, b, redact)
	if err != nil {
		t.Fatalf("parseResources: %v", err)
	}
	if len(res) != 2 || res[0].Address != "terraform_data.disk" || res[1].Address != "terraform_data.vm" {
		t.Fatalf("resources: got %+v, want disk and vm", res)
	}
	if string(res[0].Metadata) != "[]" || res[0].BuildID != b.ID {
		t.Errorf("disk: got metadata %s, build %v", res[0].Metadata, res[0].BuildID)
	}
	vm := res[1]
	if vm.Icon != "/i.svg" || vm.DailyCost != 5 || vm.Hide {
		t.Errorf("vm: got %+v", vm)
	}
	var items []sdk.ResourceMetadata
	if err := json.Unmarshal(vm.Metadata, &items); err != nil {
		t.Fatal(err)
	}
	wantItems := []sdk.ResourceMetadata{
		{Key: "region", Value: "eu-west"},
		{Key: "password", Sensitive: true},
		{Key: "token", Value: "xx ******** xx"},
		{Key: "empty", IsNull: true},
	}
	if diff := cmp.Diff(wantItems, items); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	for _, r := range res {
		if strings.Contains(string(r.Metadata), "hunter2") || strings.Contains(string(r.Metadata), "SECRETVALUE") {
			t.Errorf("a sensitive or secret value is recorded: %s", r.Metadata)
		}
	}
}

func TestParseAppsDuplicateSlug(t *testing.T) {
	show := strings.Replace(appsShow, `"slug": "cmd"`, `"slug": "web"`, 1)
	st := decodeShow(t, show)
	agents, err := parseAgents(st, store.WorkspaceBuild{ID: uuid.New()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = parseApps(st, agents)
	if err == nil || !strings.Contains(err.Error(), `two apps with slug "web"`) {
		t.Fatalf("parseApps with a duplicate slug: got %v", err)
	}
}
