package storetest

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var buildSecretTests = []test{
	{"BuildSecrets", testBuildSecrets},
}

// testBuildSecrets: a build records its secrets (sealed as given) in its
// insert's transaction; queuing a newer build erases the older ones'
// values and keeps their metadata; SecretsBase guards the set; the key
// rotation methods list, count and swap the values still sealed.
func testBuildSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	ws := s.(store.WorkspaceStore)

	w, first := f.newWorkspace("bsec", 0)
	first.Secrets = []store.BuildSecret{
		{Name: "b", EnvName: "B", SetBuildNumber: 1, ValueSize: 3, Ciphertext: []byte("ct-b\x00\xff"), KeyID: "k1"},
		{Name: "a", FilePath: "~/a", Ephemeral: true, SetBuildNumber: 1, ValueSize: 2, Ciphertext: []byte("ct-a"), KeyID: "k1"},
	}
	gw, gb, err := ws.InsertWorkspace(ctx, w, first)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ws.ListBuildSecretsWithValues(ctx, gb.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListBuildSecretsWithValues: %+v, %v", got, err)
	}
	if a := got[0]; a.Name != "a" || a.FilePath != "~/a" || a.EnvName != "" || !a.Ephemeral || a.BuildID != gb.ID || a.WorkspaceID != gw.ID ||
		a.ValueSize != 2 || string(a.Ciphertext) != "ct-a" || a.KeyID != "k1" || a.CreatedAt.IsZero() {
		t.Errorf("secret a: %+v", a)
	}
	if b := got[1]; b.Name != "b" || b.EnvName != "B" || string(b.Ciphertext) != "ct-b\x00\xff" || b.SetBuildNumber != 1 {
		t.Errorf("secret b: %+v", b)
	}
	meta, err := ws.ListBuildSecrets(ctx, gb.ID)
	if err != nil || len(meta) != 2 || meta[0].Ciphertext != nil || meta[0].KeyID != "" {
		t.Errorf("ListBuildSecrets returns metadata only: %+v, %v", meta, err)
	}
	if _, err := ws.ListBuildSecrets(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown build: got %v, want ErrNotFound", err)
	}
	ids, err := ws.BuildSecretKeyIDs(ctx)
	if err != nil || len(ids) != 1 || ids["k1"] != 2 {
		t.Errorf("BuildSecretKeyIDs: %v, %v", ids, err)
	}
	if err := ws.ReplaceBuildSecretCiphertext(ctx, gb.ID, "b", "k0", []byte("x"), "k2"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("replace under the wrong old key: got %v, want ErrConflict", err)
	}
	if err := ws.ReplaceBuildSecretCiphertext(ctx, gb.ID, "nope", "k1", []byte("x"), "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replace of an unknown secret: got %v, want ErrNotFound", err)
	}
	if err := ws.ReplaceBuildSecretCiphertext(ctx, gb.ID, "b", "k1", []byte("resealed"), "k2"); err != nil {
		t.Fatal(err)
	}
	if l, err := ws.ListBuildSecretsByKeyID(ctx, "k2", 10); err != nil || len(l) != 1 || l[0].Name != "b" || string(l[0].Ciphertext) != "resealed" {
		t.Errorf("ListBuildSecretsByKeyID(k2): %+v, %v", l, err)
	}
	finish(t, s, gb.ID, sdk.BuildSucceeded, nil, "", nil)

	// A set computed from a build that is no longer the latest is refused.
	stale := f.newBuildFor(gw.ID, sdk.TransitionStop, 1)
	stale.SecretsBase = uuid.New()
	if _, err := ws.InsertBuild(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale SecretsBase: got %v, want ErrConflict", err)
	}
	next := f.newBuildFor(gw.ID, sdk.TransitionStart, 2)
	next.SecretsBase = gb.ID
	next.Secrets = []store.BuildSecret{{Name: "b", EnvName: "B", SetBuildNumber: 1, ValueSize: 3, Ciphertext: []byte("ct-b2"), KeyID: "k1"}}
	next, err = ws.InsertBuild(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	// The first build's values are erased, its metadata kept.
	old, err := ws.ListBuildSecretsWithValues(ctx, gb.ID)
	if err != nil || len(old) != 2 || old[0].Ciphertext != nil || old[0].KeyID != "" || old[1].KeyID != "" {
		t.Errorf("the earlier build's secrets: %+v, %v; want erased values", old, err)
	}
	cur, err := ws.ListBuildSecretsWithValues(ctx, next.ID)
	if err != nil || len(cur) != 1 || string(cur[0].Ciphertext) != "ct-b2" {
		t.Errorf("the new build's secrets: %+v, %v", cur, err)
	}
	if ids, err := ws.BuildSecretKeyIDs(ctx); err != nil || len(ids) != 1 || ids["k1"] != 1 {
		t.Errorf("BuildSecretKeyIDs after the erase: %v, %v; want k1: 1", ids, err)
	}
	if l, err := ws.ListBuildSecretsByKeyID(ctx, "", 10); err != nil || len(l) != 0 {
		t.Errorf("erased values are not listed for rotation: %+v, %v", l, err)
	}
}
