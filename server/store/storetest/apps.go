package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var appTests = []test{
	{"ResourcesRecordedOnSuccess", testResourcesRecorded},
	{"ResourcesNotRecordedOnFailure", testResourcesNotRecordedOnFailure},
	{"AppHealth", testAppHealth},
	{"AppHealthCascades", testAppHealthCascades},
}

func newResource(address, typ, name string, meta string) store.WorkspaceResource {
	return store.WorkspaceResource{ID: uuid.New(), Address: address, Type: typ, Name: name, Hide: true, Icon: "/icon/x.svg",
		DailyCost: 7, Metadata: []byte(meta), CreatedAt: base}
}

// testResourcesRecorded: a successful build records its resources with
// the build's id, by address, text cleaned and metadata opaque; the
// agents' apps round-trip.
func testResourcesRecorded(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	z := newResource("terraform_data.z", "terraform_data", "z", `[{"key":"region","value":"eu"}]`)
	a := newResource("null_resource.a\x00", "null_resource", "a", "")
	a.Metadata = []byte{0, 1, 0xff}
	agent := newAgent(b, "main", []byte("apps hash"))
	claimOne(t, s, b.ID, "w1")
	done := base.Add(time.Minute)
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded,
		Agents: []store.WorkspaceAgent{agent}, Resources: []store.WorkspaceResource{z, a}, CompletedAt: done})
	got, err := s.ListResourcesByBuild(ctx, b.ID)
	if err != nil {
		t.Fatalf("ListResourcesByBuild: %v", err)
	}
	wantA, wantZ := a, z
	wantA.Address = "null_resource.a\uFFFD"
	wantA.BuildID, wantZ.BuildID = b.ID, b.ID
	wantA.CreatedAt, wantZ.CreatedAt = stored(done), stored(done)
	if diff := cmp.Diff([]store.WorkspaceResource{wantA, wantZ}, got); diff != "" {
		t.Errorf("ListResourcesByBuild mismatch (-want +got):\n%s", diff)
	}
	gotAgent := getAgent(t, s, agent.ID)
	if string(gotAgent.Apps) != string(agent.Apps) {
		t.Errorf("agent apps: got %q, want %q", gotAgent.Apps, agent.Apps)
	}
	if other, err := s.ListResourcesByBuild(ctx, uuid.New()); err != nil || len(other) != 0 {
		t.Errorf("ListResourcesByBuild of an unknown build: got %v, %v, want none", other, err)
	}
}

func testResourcesNotRecordedOnFailure(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	claimOne(t, s, b.ID, "w1")
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildFailed, Error: "boom",
		Resources: []store.WorkspaceResource{newResource("terraform_data.x", "terraform_data", "x", "[]")}, CompletedAt: base})
	got, err := s.ListResourcesByBuild(ctx, b.ID)
	if err != nil || len(got) != 0 {
		t.Fatalf("ListResourcesByBuild after a failed build: got %v, %v, want none", got, err)
	}
}

// agentWithBuild records one agent on a new workspace of f.
func agentWithBuild(t *testing.T, s store.Store, f fixture, name string) store.WorkspaceAgent {
	t.Helper()
	_, b := f.create(t, s, name, 0)
	a := newAgent(b, "main", []byte("hash "+name))
	claimOne(t, s, b.ID, "w1")
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded,
		Agents: []store.WorkspaceAgent{a}, CompletedAt: base})
	return a
}

func testAppHealth(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	a := agentWithBuild(t, s, f, "dev")
	other := agentWithBuild(t, s, f, "other")
	if got, err := s.ListAppHealth(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("ListAppHealth before any report: got %v, %v", got, err)
	}
	t1, t2 := base, base.Add(time.Second)
	if err := s.UpsertAppHealth(ctx, []store.AppHealth{
		{AgentID: a.ID, Slug: "web", Health: sdk.AppInitializing, UpdatedAt: t1},
		{AgentID: a.ID, Slug: "api", Health: sdk.AppHealthy, UpdatedAt: t1},
		{AgentID: other.ID, Slug: "web", Health: sdk.AppUnhealthy, UpdatedAt: t1},
	}); err != nil {
		t.Fatalf("UpsertAppHealth: %v", err)
	}
	if err := s.UpsertAppHealth(ctx, []store.AppHealth{{AgentID: a.ID, Slug: "web", Health: sdk.AppHealthy, UpdatedAt: t2}}); err != nil {
		t.Fatalf("UpsertAppHealth again: %v", err)
	}
	want := []store.AppHealth{
		{AgentID: a.ID, Slug: "api", Health: sdk.AppHealthy, UpdatedAt: stored(t1)},
		{AgentID: a.ID, Slug: "web", Health: sdk.AppHealthy, UpdatedAt: stored(t2)},
	}
	got, err := s.ListAppHealth(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAppHealth mismatch (-want +got):\n%s", diff)
	}
	// An unknown agent fails the whole batch: nothing of it is stored.
	err = s.UpsertAppHealth(ctx, []store.AppHealth{
		{AgentID: a.ID, Slug: "api", Health: sdk.AppUnhealthy, UpdatedAt: t2},
		{AgentID: uuid.New(), Slug: "web", Health: sdk.AppHealthy, UpdatedAt: t2},
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpsertAppHealth with an unknown agent: got %v, want ErrNotFound", err)
	}
	if got, _ := s.ListAppHealth(ctx, a.ID); !cmp.Equal(want, got) {
		t.Errorf("a failed batch changed the stored health: got %v", got)
	}
	if got, _ := s.ListAppHealth(ctx, other.ID); len(got) != 1 || got[0].Health != sdk.AppUnhealthy {
		t.Errorf("the other agent's health: got %v", got)
	}
}

// testAppHealthCascades: a user's deletion takes their agents' app health
// and their builds' resources with it.
func testAppHealthCascades(t *testing.T, s store.Store) {
	d, ok := s.(interface {
		DeleteUser(ctx context.Context, id uuid.UUID) error
	})
	if !ok {
		t.Skip("the backend cannot delete users")
	}
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a := newAgent(b, "main", []byte("cascade hash"))
	claimOne(t, s, b.ID, "w1")
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded,
		Agents: []store.WorkspaceAgent{a}, Resources: []store.WorkspaceResource{newResource("terraform_data.x", "terraform_data", "x", "[]")},
		CompletedAt: base})
	if err := s.UpsertAppHealth(ctx, []store.AppHealth{{AgentID: a.ID, Slug: "web", Health: sdk.AppHealthy}}); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteUser(ctx, f.owner.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if got, err := s.ListAppHealth(ctx, a.ID); err != nil || len(got) != 0 {
		t.Errorf("app health after the owner's deletion: got %v, %v", got, err)
	}
	if got, err := s.ListResourcesByBuild(ctx, b.ID); err != nil || len(got) != 0 {
		t.Errorf("resources after the owner's deletion: got %v, %v", got, err)
	}
}
