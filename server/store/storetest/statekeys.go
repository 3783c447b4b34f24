package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var stateKeyTests = []test{
	{"KeyIDs", testStateKeyIDs},
	{"ListByKeyID", testStateListByKeyID},
	{"Replace", testStateReplace},
}

// sealed creates one workspace per key id, each with a state sealed by it
// (the last one then deleted), and returns them with their states.
func sealed(t *testing.T, s store.Store, keyIDs ...string) []store.Workspace {
	t.Helper()
	f := newFixture(t, s)
	var out []store.Workspace
	for i, k := range keyIDs {
		w, b := f.create(t, s, fmt.Sprintf("ws%d", i), 0)
		state := []byte(fmt.Sprintf("state %d sealed by %s", i, k))
		finish(t, s, b.ID, sdk.BuildSucceeded, state, k, nil)
		w = getWorkspace(t, s, w.ID)
		if i == len(keyIDs)-1 {
			del := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionDelete, time.Minute))
			finish(t, s, del.ID, sdk.BuildSucceeded, nil, "", nil)
			w = getWorkspace(t, s, w.ID)
		}
		w.StateCiphertext, w.StateKeyID = state, k
		out = append(out, w)
	}
	// A workspace that never recorded a state counts for no key.
	f.create(t, s, "stateless", time.Hour)
	return out
}

func testStateKeyIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.WorkspaceStateKeyIDs(ctx)
	if err != nil {
		t.Fatalf("WorkspaceStateKeyIDs: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("WorkspaceStateKeyIDs of an empty store: got %v, want none", got)
	}
	sealed(t, s, "k1", "k2", "k1", "k3") // the k3 one is deleted: it counts
	got, err = s.WorkspaceStateKeyIDs(ctx)
	if err != nil {
		t.Fatalf("WorkspaceStateKeyIDs: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"k1": 2, "k2": 1, "k3": 1}, got); diff != "" {
		t.Errorf("WorkspaceStateKeyIDs mismatch (-want +got):\n%s", diff)
	}
}

func testStateListByKeyID(t *testing.T, s store.Store) {
	ctx := t.Context()
	all := sealed(t, s, "k1", "k2", "k1", "k1")
	byID := map[uuid.UUID]store.Workspace{}
	for _, w := range all {
		byID[w.ID] = w
	}
	tests := []struct {
		keyID string
		limit int
		want  int
	}{
		{"k1", 0, 3},
		{"k1", -1, 3},
		{"k1", 2, 2},
		{"k1", 10, 3},
		{"k2", 0, 1},
		{"nope", 0, 0},
	}
	for _, tt := range tests {
		got, err := s.ListWorkspacesByStateKeyID(ctx, tt.keyID, tt.limit)
		if err != nil {
			t.Fatalf("ListWorkspacesByStateKeyID(%q, %d): %v", tt.keyID, tt.limit, err)
		}
		if len(got) != tt.want {
			t.Errorf("ListWorkspacesByStateKeyID(%q, %d): got %d workspaces, want %d", tt.keyID, tt.limit, len(got), tt.want)
		}
		for i, w := range got {
			if diff := cmp.Diff(byID[w.ID], w); diff != "" {
				t.Errorf("ListWorkspacesByStateKeyID(%q, %d) mismatch (-want +got):\n%s", tt.keyID, tt.limit, diff)
			}
			if i > 0 && w.ID.String() <= got[i-1].ID.String() {
				t.Errorf("ListWorkspacesByStateKeyID(%q, %d): got ids out of order", tt.keyID, tt.limit)
			}
		}
	}
}

func testStateReplace(t *testing.T, s store.Store) {
	ctx := t.Context()
	ws := sealed(t, s, "old", "old") // the second is deleted
	for _, w := range ws {
		if err := s.ReplaceWorkspaceState(ctx, w.ID, "old", []byte("resealed"), "new"); err != nil {
			t.Fatalf("ReplaceWorkspaceState: %v", err)
		}
		ct, keyID, err := s.GetWorkspaceState(ctx, w.ID)
		if err != nil || string(ct) != "resealed" || keyID != "new" {
			t.Errorf("GetWorkspaceState after ReplaceWorkspaceState: got (%q, %q, %v), want (%q, %q)", ct, keyID, err, "resealed", "new")
		}
		// Rotation changes nothing else, updated_at included.
		want := w
		want.StateCiphertext, want.StateKeyID = nil, ""
		if diff := cmp.Diff(want, getWorkspace(t, s, w.ID)); diff != "" {
			t.Errorf("workspace after ReplaceWorkspaceState mismatch (-want +got):\n%s", diff)
		}
	}
	w := ws[0]
	// Sealed by "new" now: a replace that expects "old" must not undo it.
	wantConflict(t, "ReplaceWorkspaceState with a stale key id",
		s.ReplaceWorkspaceState(ctx, w.ID, "old", []byte("stale"), "other"), "key_id")
	if ct, keyID, _ := s.GetWorkspaceState(ctx, w.ID); string(ct) != "resealed" || keyID != "new" {
		t.Errorf("after a stale ReplaceWorkspaceState: got (%q, %q), want (%q, %q)", ct, keyID, "resealed", "new")
	}
	if keys, err := s.WorkspaceStateKeyIDs(ctx); err != nil || !cmp.Equal(keys, map[string]int{"new": 2}) {
		t.Errorf("WorkspaceStateKeyIDs after rotation: got %v, %v, want only new: 2", keys, err)
	}
	wantErrIs(t, "ReplaceWorkspaceState of an unknown workspace",
		s.ReplaceWorkspaceState(ctx, uuid.New(), "new", []byte("x"), "y"), store.ErrNotFound)
	// A workspace without a state has nothing to reseal.
	list, err := AllWorkspaces(ctx, s)
	if err != nil {
		t.Fatalf("ListAllWorkspaces: %v", err)
	}
	for _, l := range list {
		if l.Name == "stateless" {
			wantConflict(t, "ReplaceWorkspaceState of a workspace without state",
				s.ReplaceWorkspaceState(ctx, l.ID, "", []byte("x"), "y"), "key_id")
		}
	}
}
