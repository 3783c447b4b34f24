package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var apiKeyUserTests = []test{
	{"KeyAndUser", testAPIKeyWithUser},
	{"GoneWithUser", testAPIKeyWithUserDeleted},
}

// testAPIKeyWithUser: the one-query lookup returns the key and its own
// user (not another's), and nothing once the key is deleted.
func testAPIKeyWithUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := newUser(t, s), newUser(t, s)
	keys := map[string]store.User{"alicekey01": alice, "bobkey0001": bob}
	for id, u := range keys {
		k := store.APIKey{ID: id, HashedSecret: []byte("hash-" + id), UserID: u.ID, Kind: "session", ExpiresAt: base.Add(time.Hour), CreatedAt: base}
		if err := s.InsertAPIKey(ctx, k); err != nil {
			t.Fatalf("InsertAPIKey: %v", err)
		}
	}
	for id, u := range keys {
		got, err := s.GetAPIKeyAuth(ctx, id)
		if err != nil {
			t.Fatalf("GetAPIKeyAuth(%s): %v", id, err)
		}
		k, gotU := got.Key, got.User
		wantK := store.APIKey{ID: id, HashedSecret: []byte("hash-" + id), UserID: u.ID, Kind: "session", ExpiresAt: stored(base.Add(time.Hour)), CreatedAt: stored(base)}
		if diff := cmp.Diff(wantK, k); diff != "" {
			t.Errorf("key %s mismatch (-want +got):\n%s", id, diff)
		}
		if diff := cmp.Diff(u, gotU); diff != "" {
			t.Errorf("user of key %s mismatch (-want +got):\n%s", id, diff)
		}
		plain, err := s.GetAPIKey(ctx, id)
		if err != nil {
			t.Fatalf("GetAPIKey: %v", err)
		}
		if diff := cmp.Diff(plain, k); diff != "" {
			t.Errorf("GetAPIKeyAuth and GetAPIKey disagree (-GetAPIKey +GetAPIKeyAuth):\n%s", diff)
		}
	}
	_, err := s.GetAPIKeyAuth(ctx, "nosuchkey0")
	wantErrIs(t, "GetAPIKeyAuth unknown", err, store.ErrNotFound)
	if err := s.DeleteAPIKey(ctx, "alicekey01"); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	_, err = s.GetAPIKeyAuth(ctx, "alicekey01")
	wantErrIs(t, "GetAPIKeyAuth after delete", err, store.ErrNotFound)
	if _, err := s.GetAPIKeyAuth(ctx, "bobkey0001"); err != nil {
		t.Errorf("GetAPIKeyAuth of the other key: %v", err)
	}
}

// testAPIKeyWithUserDeleted: a deleted user's keys are not found.
func testAPIKeyWithUserDeleted(t *testing.T, s store.Store) {
	d, ok := s.(UserDeleter)
	if !ok {
		t.Skip("backend cannot delete users")
	}
	ctx := t.Context()
	u := newUser(t, s)
	k := store.APIKey{ID: "gonekey001", HashedSecret: []byte("h"), UserID: u.ID, Kind: "token", ExpiresAt: base.Add(time.Hour), CreatedAt: base}
	if err := s.InsertAPIKey(ctx, k); err != nil {
		t.Fatalf("InsertAPIKey: %v", err)
	}
	if err := d.DeleteUser(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.GetAPIKeyAuth(ctx, k.ID)
	wantErrIs(t, "GetAPIKeyAuth of a deleted user's key", err, store.ErrNotFound)
}

var agentAuthTests = []test{
	{"SameAsSeparateLookups", testAgentAuth},
	{"SecretsGeneration", testSecretsGeneration},
}

// testSecretsGeneration: every committed write to the owner's secrets
// (create, update, rename, delete, import) gives GetAgentAuth a greater
// SecretsGeneration; a refused write, a read and another owner's write do
// not change it. GetAPIKeyAuth reads the same generation for the owner's
// token.
func testSecretsGeneration(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := newFixture(t, s)
	hash := []byte("generation token")
	_, b1 := f.create(t, s, "gen", 0)
	finish(t, s, b1.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{newAgent(b1, "main", hash)})
	key := store.APIKey{ID: "genkey0001", HashedSecret: []byte("h"), UserID: f.owner.ID, Kind: "session", ExpiresAt: base.Add(time.Hour), CreatedAt: base}
	if err := s.InsertAPIKey(ctx, key); err != nil {
		t.Fatalf("InsertAPIKey: %v", err)
	}
	gen := func() int64 {
		t.Helper()
		got, err := s.GetAgentAuth(ctx, hash)
		if err != nil {
			t.Fatalf("GetAgentAuth: %v", err)
		}
		k, err := s.GetAPIKeyAuth(ctx, key.ID)
		if err != nil {
			t.Fatalf("GetAPIKeyAuth: %v", err)
		}
		if k.SecretsGeneration != got.SecretsGeneration {
			t.Errorf("GetAPIKeyAuth's generation %d, GetAgentAuth's %d", k.SecretsGeneration, got.SecretsGeneration)
		}
		return got.SecretsGeneration
	}
	last := gen()
	step := func(what string, err error, changes bool) {
		t.Helper()
		now := gen()
		switch {
		case changes && err != nil:
			t.Fatalf("%s: %v", what, err)
		case changes && now <= last:
			t.Errorf("%s: generation %d, want more than %d", what, now, last)
		case !changes && now != last:
			t.Errorf("%s: generation %d, want it unchanged (%d)", what, now, last)
		}
		last = now
	}
	sec := store.Secret{OwnerID: f.owner.ID, Name: "a", EnvName: "A", Enabled: true, ValueSize: 1, Ciphertext: []byte("c"), KeyID: "k1"}
	created, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: sec})
	step("create", err, true)
	_, err = s.InsertSecret(ctx, store.InsertSecretParams{Secret: sec})
	step("refused create (name taken)", nil, false)
	if err == nil {
		t.Errorf("a second secret named a was accepted")
	}
	_, err = s.GetSecret(ctx, f.owner.ID, "a")
	step("read", err, false)
	env := "B"
	_, err = s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: f.owner.ID, Name: "a", EnvName: &env})
	step("update of the env target", err, true)
	step("rename", s.RenameSecret(ctx, created.ID, "a2"), true)
	_, err = s.InsertSecrets(ctx, store.InsertSecretsParams{OwnerID: f.owner.ID, Secrets: []store.Secret{{Name: "b", FilePath: "~/b", Enabled: true, ValueSize: 1, Ciphertext: []byte("c"), KeyID: "k1"}}})
	step("import", err, true)
	_, err = s.InsertSecret(ctx, store.InsertSecretParams{Secret: store.Secret{OwnerID: other.owner.ID, Name: "a", EnvName: "A", Enabled: true, ValueSize: 1, Ciphertext: []byte("c"), KeyID: "k1"}})
	if err != nil {
		t.Fatalf("another owner's create: %v", err)
	}
	step("another owner's create", nil, false)
	step("delete", s.DeleteSecret(ctx, f.owner.ID, "a2", f.owner.ID), true)
}

// testAgentAuth: the one-query GetAgentAuth returns exactly what the
// separate lookups of the agent API return (the newest agent with the
// hash, its workspace, the latest build, the owner), and the narrower
// GetAgentAdmission that record's Admission, at each step of a
// workspace's life: started, stop queued, stopped, started again with the
// same token, deleted. An unknown hash is ErrNotFound.
func testAgentAuth(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := newFixture(t, s)
	hash := []byte("agent auth token")
	check := func(step string) {
		t.Helper()
		got, err := s.GetAgentAuth(ctx, hash)
		if err != nil {
			t.Fatalf("%s: GetAgentAuth: %v", step, err)
		}
		a, err := s.GetAgentByTokenHash(ctx, hash)
		if err != nil {
			t.Fatalf("%s: GetAgentByTokenHash: %v", step, err)
		}
		w, err := s.GetWorkspaceByID(ctx, a.WorkspaceID)
		if err != nil {
			t.Fatalf("%s: GetWorkspaceByID: %v", step, err)
		}
		lb, err := s.GetLatestBuild(ctx, w.ID)
		if err != nil {
			t.Fatalf("%s: GetLatestBuild: %v", step, err)
		}
		u, err := s.GetUserByID(ctx, w.OwnerID)
		if err != nil {
			t.Fatalf("%s: GetUserByID: %v", step, err)
		}
		tm, err := s.GetTemplateByID(ctx, w.TemplateID)
		if err != nil {
			t.Fatalf("%s: GetTemplateByID: %v", step, err)
		}
		want := store.AgentAuth{Agent: a, Workspace: w, LatestBuild: lb, Owner: u, TemplateName: tm.Name, SecretsGeneration: got.SecretsGeneration}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("%s: GetAgentAuth differs from the separate lookups (-want +got):\n%s", step, diff)
		}
		if got.Owner.ID != f.owner.ID {
			t.Errorf("%s: owner %v, want the workspace's (%v)", step, got.Owner.ID, f.owner.ID)
		}
		// The narrower admission query reads the same.
		adm, err := s.GetAgentAdmission(ctx, hash)
		if err != nil {
			t.Fatalf("%s: GetAgentAdmission: %v", step, err)
		}
		if diff := cmp.Diff(got.Admission(), *adm); diff != "" {
			t.Errorf("%s: GetAgentAdmission differs from GetAgentAuth's record (-want +got):\n%s", step, diff)
		}
	}
	if _, err := s.GetAgentAuth(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAgentAuth before any agent: got %v, want ErrNotFound", err)
	}
	if _, err := s.GetAgentAdmission(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAgentAdmission before any agent: got %v, want ErrNotFound", err)
	}

	// Another owner's workspace with another token: never mixed in.
	_, ob := other.create(t, s, "theirs", 0)
	finish(t, s, ob.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{newAgent(ob, "main", []byte("other token"))})

	w, b1 := f.create(t, s, "dev", 0)
	finish(t, s, b1.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{newAgent(b1, "main", hash)})
	check("started")
	got, _ := s.GetAgentAuth(ctx, hash)
	if got.LatestBuild.ID != b1.ID || got.Agent.BuildID != b1.ID {
		t.Errorf("started: latest build %v, agent's build %v, want both %v", got.LatestBuild.ID, got.Agent.BuildID, b1.ID)
	}

	stop := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStop, time.Minute))
	check("stop queued")
	if got, _ := s.GetAgentAuth(ctx, hash); got.LatestBuild.ID != stop.ID || got.LatestBuild.Status != sdk.BuildPending {
		t.Errorf("stop queued: latest build %v (%s), want the pending stop %v", got.LatestBuild.ID, got.LatestBuild.Status, stop.ID)
	}
	finish(t, s, stop.ID, sdk.BuildSucceeded, nil, "", nil)
	check("stopped")

	b3 := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStart, 2*time.Minute))
	a3 := newAgent(b3, "main", hash)
	a3.CreatedAt = base.Add(time.Hour)
	finish(t, s, b3.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a3})
	check("started again")
	if got, _ := s.GetAgentAuth(ctx, hash); got.Agent.ID != a3.ID {
		t.Errorf("started again: agent %v, want the newest %v", got.Agent.ID, a3.ID)
	}

	del := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionDelete, 3*time.Minute))
	finish(t, s, del.ID, sdk.BuildSucceeded, nil, "", nil)
	check("deleted")
	if got, _ := s.GetAgentAuth(ctx, hash); !got.Workspace.Deleted {
		t.Errorf("deleted: the workspace is not marked deleted")
	}
}
