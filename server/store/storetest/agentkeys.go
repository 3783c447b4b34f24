package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var agentKeyTests = []test{
	{"KeyIDs", testAgentConfigKeyIDs},
	{"ListByKeyID", testAgentListByConfigKeyID},
	{"Replace", testAgentReplaceConfig},
}

// sealedAgents records one agent per key id, its config "sealed" by it (""
// is an agent recorded in plaintext, as before agent configs were sealed),
// and returns them as the store reads them back.
func sealedAgents(t *testing.T, s store.Store, keyIDs ...string) []store.WorkspaceAgent {
	t.Helper()
	f := newFixture(t, s)
	var out []store.WorkspaceAgent
	for i, k := range keyIDs {
		_, b := f.create(t, s, fmt.Sprintf("ws%d", i), 0)
		a := newAgent(b, "main", []byte(fmt.Sprintf("hash %d", i)))
		if k != "" {
			a.Directory, a.MOTDFile, a.Env, a.Scripts, a.Apps = "", "", nil, nil, nil
			a.ConfigCiphertext, a.ConfigKeyID = []byte("config sealed by "+k), k
		}
		claimOne(t, s, b.ID, "w1")
		complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, Agents: []store.WorkspaceAgent{a}, CompletedAt: base})
		got, err := AgentByID(t.Context(), s, a.ID)
		if err != nil {
			t.Fatalf("GetAgentByID: %v", err)
		}
		if got.ConfigKeyID != k || string(got.ConfigCiphertext) != string(a.ConfigCiphertext) {
			t.Fatalf("agent read back: got key id %q and %d ciphertext bytes, want %q and %d", got.ConfigKeyID, len(got.ConfigCiphertext), k, len(a.ConfigCiphertext))
		}
		out = append(out, got)
	}
	return out
}

func testAgentConfigKeyIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.AgentConfigKeyIDs(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("AgentConfigKeyIDs of an empty store: got %v, %v, want none", got, err)
	}
	sealedAgents(t, s, "k1", "k2", "k1", "")
	got, err = s.AgentConfigKeyIDs(ctx)
	if err != nil {
		t.Fatalf("AgentConfigKeyIDs: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"k1": 2, "k2": 1}, got); diff != "" {
		t.Errorf("AgentConfigKeyIDs mismatch (-want +got):\n%s", diff)
	}
}

func testAgentListByConfigKeyID(t *testing.T, s store.Store) {
	ctx := t.Context()
	all := sealedAgents(t, s, "k1", "k2", "k1", "", "k1")
	byID := map[uuid.UUID]store.WorkspaceAgent{}
	for _, a := range all {
		byID[a.ID] = a
	}
	tests := []struct {
		keyID string
		limit int
		want  int
	}{
		{"k1", 0, 3}, {"k1", 2, 2}, {"k2", 10, 1}, {"", 0, 1}, {"nope", 0, 0},
	}
	for _, tt := range tests {
		got, err := s.ListAgentsByConfigKeyID(ctx, tt.keyID, tt.limit)
		if err != nil {
			t.Fatalf("ListAgentsByConfigKeyID(%q, %d): %v", tt.keyID, tt.limit, err)
		}
		if len(got) != tt.want {
			t.Errorf("ListAgentsByConfigKeyID(%q, %d): got %d agents, want %d", tt.keyID, tt.limit, len(got), tt.want)
		}
		for i, a := range got {
			if diff := cmp.Diff(byID[a.ID], a); diff != "" {
				t.Errorf("ListAgentsByConfigKeyID(%q, %d) mismatch (-want +got):\n%s", tt.keyID, tt.limit, diff)
			}
			if i > 0 && a.ID.String() <= got[i-1].ID.String() {
				t.Errorf("ListAgentsByConfigKeyID(%q, %d): got ids out of order", tt.keyID, tt.limit)
			}
		}
	}
}

func testAgentReplaceConfig(t *testing.T, s store.Store) {
	ctx := t.Context()
	agents := sealedAgents(t, s, "old", "")
	for _, a := range agents {
		if err := s.ReplaceAgentConfig(ctx, a.ID, a.ConfigKeyID, []byte("resealed"), "new"); err != nil {
			t.Fatalf("ReplaceAgentConfig: %v", err)
		}
		got, err := AgentByID(ctx, s, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Sealed anew, the plaintext columns emptied, nothing else changed.
		want := a
		want.ConfigCiphertext, want.ConfigKeyID = []byte("resealed"), "new"
		want.Directory, want.MOTDFile, want.Env, want.Scripts, want.Apps = "", "", nil, nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("agent after ReplaceAgentConfig mismatch (-want +got):\n%s", diff)
		}
	}
	// A replace that expects the old key id must not undo the new one.
	wantConflict(t, "ReplaceAgentConfig with a stale key id",
		s.ReplaceAgentConfig(ctx, agents[0].ID, "old", []byte("stale"), "other"), "key_id")
	wantConflict(t, "ReplaceAgentConfig of a sealed agent as if not sealed",
		s.ReplaceAgentConfig(ctx, agents[1].ID, "", []byte("stale"), "other"), "key_id")
	if keys, err := s.AgentConfigKeyIDs(ctx); err != nil || !cmp.Equal(keys, map[string]int{"new": 2}) {
		t.Errorf("AgentConfigKeyIDs after rotation: got %v, %v, want only new: 2", keys, err)
	}
	wantErrIs(t, "ReplaceAgentConfig of an unknown agent",
		s.ReplaceAgentConfig(ctx, uuid.New(), "new", []byte("x"), "y"), store.ErrNotFound)
}
