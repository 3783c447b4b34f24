package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var workspaceTests = []test{
	{"InsertAndGet", testWorkspaceInsertAndGet},
	{"NameConflict", testWorkspaceNameConflict},
	{"NameConflictConcurrent", testWorkspaceNameConflictConcurrent},
	{"UnknownReferences", testWorkspaceUnknownReferences},
	{"NotFound", testWorkspaceNotFound},
	{"List", testWorkspaceList},
	{"StateNotInGetOrList", testWorkspaceStateNotInGetOrList},
	{"DeleteFreesName", testWorkspaceDeleteFreesName},
	{"DeleteUserCascades", testWorkspaceDeleteUserCascades},
	{"SecretRefresh", testWorkspaceSecretRefresh},
}

// testWorkspaceSecretRefresh: a workspace's secret refresh mode is kept at
// insert, changed by SetWorkspaceSecretRefresh (with its updated_at) and
// read back by every getter; an unknown workspace is ErrNotFound.
func testWorkspaceSecretRefresh(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, b := f.newWorkspace("live", time.Minute)
	w.SecretRefresh = sdk.RefreshLive
	got, _, err := s.InsertWorkspace(ctx, w, b)
	if err != nil {
		t.Fatalf("InsertWorkspace: %v", err)
	}
	if got.SecretRefresh != sdk.RefreshLive || getWorkspace(t, s, w.ID).SecretRefresh != sdk.RefreshLive {
		t.Fatalf("SecretRefresh after insert: got %q, want %q", getWorkspace(t, s, w.ID).SecretRefresh, sdk.RefreshLive)
	}
	other, _ := f.create(t, s, "plain", 2*time.Minute)
	if other.SecretRefresh != "" {
		t.Fatalf("default SecretRefresh: got %q, want \"\"", other.SecretRefresh)
	}
	at := base.Add(time.Hour)
	set, err := s.SetWorkspaceSecretRefresh(ctx, other.ID, sdk.RefreshLive, at)
	if err != nil {
		t.Fatalf("SetWorkspaceSecretRefresh: %v", err)
	}
	if set.SecretRefresh != sdk.RefreshLive || !set.UpdatedAt.Equal(stored(at)) {
		t.Errorf("SetWorkspaceSecretRefresh: got %q at %v, want %q at %v", set.SecretRefresh, set.UpdatedAt, sdk.RefreshLive, stored(at))
	}
	list, err := s.ListWorkspaces(ctx, f.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.SecretRefresh != sdk.RefreshLive {
			t.Errorf("ListWorkspaces: %s has SecretRefresh %q, want %q", x.Name, x.SecretRefresh, sdk.RefreshLive)
		}
	}
	if _, err := s.SetWorkspaceSecretRefresh(ctx, other.ID, "", at); err != nil {
		t.Fatal(err)
	}
	byName, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "plain")
	if err != nil || byName.SecretRefresh != "" {
		t.Errorf("after turning it off: got %q, %v, want \"\"", byName.SecretRefresh, err)
	}
	_, err = s.SetWorkspaceSecretRefresh(ctx, uuid.New(), sdk.RefreshLive, at)
	wantErrIs(t, "SetWorkspaceSecretRefresh of an unknown workspace", err, store.ErrNotFound)
}

// fixture is a user and a template with one version.
type fixture struct {
	owner store.User
	tmpl  store.Template
	ver   store.TemplateVersion
}

var templateSeq atomic.Int64

// newFixture inserts a user and a template (with a unique name) they pushed.
func newFixture(t *testing.T, s store.Store) fixture {
	t.Helper()
	u := newUser(t, s)
	tmpl, v := push(t, s, fmt.Sprintf("template%d", templateSeq.Add(1)), newVersion(u.ID, 0))
	return fixture{owner: u, tmpl: tmpl, ver: v}
}

// newBuildFor returns a pending build of workspace ws by the fixture's
// owner, created at base + offset.
func (f fixture) newBuildFor(wsID uuid.UUID, transition string, offset time.Duration) store.WorkspaceBuild {
	return store.WorkspaceBuild{
		ID:                uuid.New(),
		WorkspaceID:       wsID,
		Transition:        transition,
		Status:            sdk.BuildPending,
		TemplateVersionID: f.ver.ID,
		InitiatorID:       f.owner.ID,
		CreatedAt:         base.Add(offset),
	}
}

// create inserts a workspace of the fixture's owner named name, created at
// base + offset, with a pending start build; it returns what
// InsertWorkspace returned.
func (f fixture) create(t *testing.T, s store.Store, name string, offset time.Duration) (store.Workspace, store.WorkspaceBuild) {
	t.Helper()
	w, b := f.newWorkspace(name, offset)
	gotW, gotB, err := s.InsertWorkspace(t.Context(), w, b)
	if err != nil {
		t.Fatalf("InsertWorkspace(%q): %v", name, err)
	}
	return gotW, gotB
}

// newWorkspace returns a workspace of the fixture's owner and its first
// build, not stored yet.
func (f fixture) newWorkspace(name string, offset time.Duration) (store.Workspace, store.WorkspaceBuild) {
	w := store.Workspace{
		ID:         uuid.New(),
		Name:       name,
		OwnerID:    f.owner.ID,
		TemplateID: f.tmpl.ID,
		CreatedAt:  base.Add(offset),
		UpdatedAt:  base.Add(offset),
	}
	return w, f.newBuildFor(uuid.Nil, sdk.TransitionStart, offset)
}

// storedWorkspace is w as InsertWorkspace keeps it.
func storedWorkspace(w store.Workspace) store.Workspace {
	w.CreatedAt, w.UpdatedAt = stored(w.CreatedAt), stored(w.UpdatedAt)
	w.Deleted, w.StateCiphertext, w.StateKeyID = false, nil, ""
	return w
}

// storedBuild is b as the store keeps it when queued.
func storedBuild(b store.WorkspaceBuild, wsID uuid.UUID, number int) store.WorkspaceBuild {
	b.WorkspaceID, b.BuildNumber, b.CreatedAt = wsID, number, stored(b.CreatedAt)
	return b
}

func getWorkspace(t *testing.T, s store.Store, id uuid.UUID) store.Workspace {
	t.Helper()
	w, err := s.GetWorkspaceByID(t.Context(), id)
	if err != nil {
		t.Fatalf("GetWorkspaceByID: %v", err)
	}
	return w
}

func testWorkspaceInsertAndGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, b := f.newWorkspace("dev", time.Minute)
	w.Deleted, w.StateCiphertext, w.StateKeyID = true, []byte("ignored"), "ignored" // ignored
	b.BuildNumber = 7                                                               // set by the store
	gotW, gotB, err := s.InsertWorkspace(ctx, w, b)
	if err != nil {
		t.Fatalf("InsertWorkspace: %v", err)
	}
	wantW, wantB := storedWorkspace(w), storedBuild(b, w.ID, 1)
	if diff := cmp.Diff(wantW, gotW); diff != "" {
		t.Errorf("InsertWorkspace workspace mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantB, gotB); diff != "" {
		t.Errorf("InsertWorkspace build mismatch (-want +got):\n%s", diff)
	}

	if diff := cmp.Diff(wantW, getWorkspace(t, s, w.ID)); diff != "" {
		t.Errorf("GetWorkspaceByID mismatch (-want +got):\n%s", diff)
	}
	byName, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev")
	if err != nil {
		t.Fatalf("GetWorkspaceByOwnerAndName: %v", err)
	}
	if diff := cmp.Diff(wantW, byName); diff != "" {
		t.Errorf("GetWorkspaceByOwnerAndName mismatch (-want +got):\n%s", diff)
	}
	build, err := s.GetBuild(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetBuild: %v", err)
	}
	if diff := cmp.Diff(wantB, build); diff != "" {
		t.Errorf("GetBuild mismatch (-want +got):\n%s", diff)
	}
	latest, err := s.GetLatestBuild(ctx, w.ID)
	if err != nil {
		t.Fatalf("GetLatestBuild: %v", err)
	}
	if diff := cmp.Diff(wantB, latest); diff != "" {
		t.Errorf("GetLatestBuild mismatch (-want +got):\n%s", diff)
	}
	if build.CreatedAt.Location() != time.UTC || gotW.CreatedAt.Location() != time.UTC {
		t.Errorf("got times in %v and %v, want UTC", build.CreatedAt.Location(), gotW.CreatedAt.Location())
	}
	ct, keyID, err := s.GetWorkspaceState(ctx, w.ID)
	if err != nil {
		t.Fatalf("GetWorkspaceState: %v", err)
	}
	if ct != nil || keyID != "" {
		t.Errorf("GetWorkspaceState of a new workspace: got (%q, %q), want (nil, \"\")", ct, keyID)
	}
}

func testWorkspaceNameConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	first, _ := f.create(t, s, "dev", 0)

	w, b := f.newWorkspace("dev", time.Minute)
	_, _, err := s.InsertWorkspace(ctx, w, b)
	wantConflict(t, "InsertWorkspace with a live workspace's name", err, "name")
	// Nothing of the refused insert is stored, its build included.
	_, err = s.GetWorkspaceByID(ctx, w.ID)
	wantErrIs(t, "GetWorkspaceByID of the refused workspace", err, store.ErrNotFound)
	_, err = s.GetBuild(ctx, b.ID)
	wantErrIs(t, "GetBuild of the refused workspace's build", err, store.ErrNotFound)
	got, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev")
	if err != nil {
		t.Fatalf("GetWorkspaceByOwnerAndName: %v", err)
	}
	if got.ID != first.ID {
		t.Errorf("got workspace %v, want the first one %v", got.ID, first.ID)
	}

	// Names are per owner and compared byte for byte.
	other := fixture{owner: newUser(t, s), tmpl: f.tmpl, ver: f.ver}
	other.create(t, s, "dev", 0)
	f.create(t, s, "Dev", 0)
}

// testWorkspaceNameConflictConcurrent creates one name from many goroutines
// at once: exactly one wins.
func testWorkspaceNameConflictConcurrent(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	const n = 8
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		won, lost atomic.Int32
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			w, b := f.newWorkspace("race", 0)
			_, _, err := s.InsertWorkspace(t.Context(), w, b)
			var ce *store.ConflictError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &ce) && ce.Field == "name":
				lost.Add(1)
			default:
				t.Errorf("InsertWorkspace: got %v, want success or a conflict on name", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if won.Load() != 1 || lost.Load() != n-1 {
		t.Errorf("concurrent InsertWorkspace: got %d created and %d conflicts, want 1 and %d", won.Load(), lost.Load(), n-1)
	}
}

func testWorkspaceUnknownReferences(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	tests := []struct {
		name string
		edit func(w *store.Workspace, b *store.WorkspaceBuild)
	}{
		{"owner", func(w *store.Workspace, _ *store.WorkspaceBuild) { w.OwnerID = uuid.New() }},
		{"template", func(w *store.Workspace, _ *store.WorkspaceBuild) { w.TemplateID = uuid.New() }},
		{"template version", func(_ *store.Workspace, b *store.WorkspaceBuild) { b.TemplateVersionID = uuid.New() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, b := f.newWorkspace("ws", 0)
			tt.edit(&w, &b)
			_, _, err := s.InsertWorkspace(ctx, w, b)
			wantErrIs(t, "InsertWorkspace with an unknown "+tt.name, err, store.ErrNotFound)
			_, err = s.GetWorkspaceByID(ctx, w.ID)
			wantErrIs(t, "GetWorkspaceByID after the refused insert", err, store.ErrNotFound)
		})
	}
}

func testWorkspaceNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, err := s.GetWorkspaceByID(ctx, uuid.New())
	wantErrIs(t, "GetWorkspaceByID", err, store.ErrNotFound)
	_, err = s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "nope")
	wantErrIs(t, "GetWorkspaceByOwnerAndName", err, store.ErrNotFound)
	_, _, err = s.GetWorkspaceState(ctx, uuid.New())
	wantErrIs(t, "GetWorkspaceState", err, store.ErrNotFound)
	_, err = s.GetBuild(ctx, uuid.New())
	wantErrIs(t, "GetBuild", err, store.ErrNotFound)
	_, err = s.GetLatestBuild(ctx, uuid.New())
	wantErrIs(t, "GetLatestBuild", err, store.ErrNotFound)
}

func testWorkspaceList(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := newFixture(t, s)
	bob := fixture{owner: newUser(t, s), tmpl: alice.tmpl, ver: alice.ver}
	for _, c := range []struct {
		f    fixture
		name string
	}{{alice, "b"}, {alice, "a"}, {bob, "c"}, {alice, "C"}, {bob, "a"}} {
		c.f.create(t, s, c.name, 0)
	}
	names := func(list []store.Workspace) []string {
		var out []string
		for _, w := range list {
			out = append(out, w.Name)
		}
		return out
	}
	got, err := s.ListWorkspaces(ctx, alice.owner.ID)
	if err != nil {
		t.Fatalf("ListWorkspaces: %v", err)
	}
	if diff := cmp.Diff([]string{"C", "a", "b"}, names(got)); diff != "" {
		t.Errorf("ListWorkspaces names mismatch (-want +got):\n%s", diff)
	}
	for _, w := range got {
		if w.OwnerID != alice.owner.ID {
			t.Errorf("ListWorkspaces: got a workspace of %v, want only %v's", w.OwnerID, alice.owner.ID)
		}
	}
	all, err := AllWorkspaces(ctx, s)
	if err != nil {
		t.Fatalf("ListAllWorkspaces: %v", err)
	}
	if diff := cmp.Diff([]string{"C", "a", "a", "b", "c"}, names(all)); diff != "" {
		t.Errorf("ListAllWorkspaces names mismatch (-want +got):\n%s", diff)
	}
	none, err := s.ListWorkspaces(ctx, uuid.New())
	if err != nil {
		t.Fatalf("ListWorkspaces: %v", err)
	}
	if len(none) != 0 {
		t.Errorf("ListWorkspaces of a stranger: got %d, want none", len(none))
	}
}

func testWorkspaceStateNotInGetOrList(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, b := f.create(t, s, "dev", 0)
	finish(t, s, b.ID, sdk.BuildSucceeded, []byte("sealed state"), "k1", nil)

	ct, keyID, err := s.GetWorkspaceState(ctx, w.ID)
	if err != nil {
		t.Fatalf("GetWorkspaceState: %v", err)
	}
	if string(ct) != "sealed state" || keyID != "k1" {
		t.Errorf("GetWorkspaceState: got (%q, %q), want (%q, %q)", ct, keyID, "sealed state", "k1")
	}
	check := func(what string, got store.Workspace) {
		t.Helper()
		if got.StateCiphertext != nil || got.StateKeyID != "" {
			t.Errorf("%s: got state (%q, %q), want (nil, \"\"): only GetWorkspaceState reads it", what, got.StateCiphertext, got.StateKeyID)
		}
	}
	check("GetWorkspaceByID", getWorkspace(t, s, w.ID))
	byName, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev")
	if err != nil {
		t.Fatalf("GetWorkspaceByOwnerAndName: %v", err)
	}
	check("GetWorkspaceByOwnerAndName", byName)
	list, err := s.ListWorkspaces(ctx, f.owner.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListWorkspaces: got %d, %v, want 1 workspace", len(list), err)
	}
	check("ListWorkspaces", list[0])
	all, err := AllWorkspaces(ctx, s)
	if err != nil || len(all) != 1 {
		t.Fatalf("ListAllWorkspaces: got %d, %v, want 1 workspace", len(all), err)
	}
	check("ListAllWorkspaces", all[0])
}

// testWorkspaceDeleteFreesName runs a delete build to success: the
// workspace is marked deleted, hidden from the live lookups, refuses new
// builds, and its name can be used again.
func testWorkspaceDeleteFreesName(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, b := f.create(t, s, "dev", 0)
	finish(t, s, b.ID, sdk.BuildSucceeded, []byte("state 1"), "k1", nil)
	del := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionDelete, time.Minute))
	completedAt := base.Add(time.Hour)
	claimed := claimOne(t, s, del.ID, "worker")
	complete(t, s, store.CompleteBuildParams{
		BuildID: claimed.ID, WorkerID: "worker", Status: sdk.BuildSucceeded,
		State: []byte("empty state"), StateKeyID: "k1", CompletedAt: completedAt,
	})

	got := getWorkspace(t, s, w.ID)
	want := w
	want.Deleted, want.UpdatedAt = true, stored(completedAt)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetWorkspaceByID of a deleted workspace mismatch (-want +got):\n%s", diff)
	}
	_, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev")
	wantErrIs(t, "GetWorkspaceByOwnerAndName of a deleted workspace", err, store.ErrNotFound)
	list, err := s.ListWorkspaces(ctx, f.owner.ID)
	if err != nil {
		t.Fatalf("ListWorkspaces: %v", err)
	}
	if len(list) != 0 {
		t.Errorf("ListWorkspaces: got %d workspaces, want none (the only one is deleted)", len(list))
	}
	all, err := AllWorkspaces(ctx, s)
	if err != nil {
		t.Fatalf("ListAllWorkspaces: %v", err)
	}
	if len(all) != 0 {
		t.Errorf("ListAllWorkspaces: got %d workspaces, want none (the only one is deleted)", len(all))
	}
	_, err = s.InsertBuild(ctx, f.newBuildFor(w.ID, sdk.TransitionStart, 2*time.Hour))
	wantErrIs(t, "InsertBuild on a deleted workspace", err, store.ErrNotFound)
	// Its builds and state stay readable.
	if latest, err := s.GetLatestBuild(ctx, w.ID); err != nil || latest.ID != del.ID {
		t.Errorf("GetLatestBuild of a deleted workspace: got %v, %v, want the delete build %v", latest.ID, err, del.ID)
	}
	if ct, _, err := s.GetWorkspaceState(ctx, w.ID); err != nil || string(ct) != "empty state" {
		t.Errorf("GetWorkspaceState of a deleted workspace: got %q, %v, want %q", ct, err, "empty state")
	}

	// The name is free again, and a second delete keeps both rows.
	again, _ := f.create(t, s, "dev", 3*time.Hour)
	if again.ID == w.ID {
		t.Fatalf("got the deleted workspace's id back, want a new workspace")
	}
	byName, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev")
	if err != nil || byName.ID != again.ID {
		t.Errorf("GetWorkspaceByOwnerAndName: got %v, %v, want the new workspace %v", byName.ID, err, again.ID)
	}
}

// testWorkspaceDeleteUserCascades deletes a user: their workspaces go with
// their builds, agents and logs; the templates they pushed stay.
func testWorkspaceDeleteUserCascades(t *testing.T, s store.Store) {
	d, ok := s.(UserDeleter)
	if !ok {
		t.Skip("backend has no DeleteUser")
	}
	ctx := t.Context()
	gone, kept := newFixture(t, s), newFixture(t, s)
	w, b := gone.create(t, s, "dev", 0)
	agent := newAgent(b, "main", []byte("gone token"))
	finish(t, s, b.ID, sdk.BuildSucceeded, []byte("state"), "k1", []store.WorkspaceAgent{agent})
	insertBuildLogs(t, s, newBuildLog(b.ID, "line"))
	insertAgentLogs(t, s, newAgentLog(agent.ID, "line"))
	deleted := queue(t, s, gone.newBuildFor(w.ID, sdk.TransitionDelete, time.Minute))
	finish(t, s, deleted.ID, sdk.BuildSucceeded, nil, "", nil)
	live, _ := gone.create(t, s, "dev", time.Hour) // a live one next to the deleted one
	keptW, keptB := kept.create(t, s, "dev", 0)
	// The kept user's workspace uses the gone user's template.
	other, _, err := s.InsertWorkspace(ctx, store.Workspace{Name: "shared", OwnerID: kept.owner.ID, TemplateID: gone.tmpl.ID},
		gone.newBuildFor(uuid.Nil, sdk.TransitionStart, 0))
	if err != nil {
		t.Fatalf("InsertWorkspace: %v", err)
	}

	if err := d.DeleteUser(ctx, gone.owner.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	for _, id := range []uuid.UUID{w.ID, live.ID} {
		_, err := s.GetWorkspaceByID(ctx, id)
		wantErrIs(t, "GetWorkspaceByID after DeleteUser", err, store.ErrNotFound)
	}
	for _, id := range []uuid.UUID{b.ID, deleted.ID} {
		_, err := s.GetBuild(ctx, id)
		wantErrIs(t, "GetBuild after DeleteUser", err, store.ErrNotFound)
	}
	_, err = AgentByID(ctx, s, agent.ID)
	wantErrIs(t, "GetAgentByID after DeleteUser", err, store.ErrNotFound)
	_, err = s.GetAgentByTokenHash(ctx, agent.TokenHash)
	wantErrIs(t, "GetAgentByTokenHash after DeleteUser", err, store.ErrNotFound)
	if logs, err := s.ListBuildLogs(ctx, b.ID, 0); err != nil || len(logs) != 0 {
		t.Errorf("ListBuildLogs after DeleteUser: got %d lines, %v, want none", len(logs), err)
	}
	if logs, err := s.ListAgentLogs(ctx, agent.ID, 0); err != nil || len(logs) != 0 {
		t.Errorf("ListAgentLogs after DeleteUser: got %d lines, %v, want none", len(logs), err)
	}
	if keys, err := s.WorkspaceStateKeyIDs(ctx); err != nil || len(keys) != 0 {
		t.Errorf("WorkspaceStateKeyIDs after DeleteUser: got %v, %v, want none", keys, err)
	}

	// Templates outlive the user who pushed them; other users keep theirs.
	if _, err := s.GetTemplateByID(ctx, gone.tmpl.ID); err != nil {
		t.Errorf("GetTemplateByID of the deleted user's template: %v", err)
	}
	if _, err := s.GetTemplateVersion(ctx, gone.ver.ID); err != nil {
		t.Errorf("GetTemplateVersion of the deleted user's template: %v", err)
	}
	for _, id := range []uuid.UUID{keptW.ID, other.ID} {
		if _, err := s.GetWorkspaceByID(ctx, id); err != nil {
			t.Errorf("GetWorkspaceByID of another user's workspace: %v", err)
		}
	}
	if _, err := s.GetBuild(ctx, keptB.ID); err != nil {
		t.Errorf("GetBuild of another user's build: %v", err)
	}
}
