package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
		k, gotU, err := s.GetAPIKeyWithUser(ctx, id)
		if err != nil {
			t.Fatalf("GetAPIKeyWithUser(%s): %v", id, err)
		}
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
			t.Errorf("GetAPIKeyWithUser and GetAPIKey disagree (-GetAPIKey +WithUser):\n%s", diff)
		}
	}
	_, _, err := s.GetAPIKeyWithUser(ctx, "nosuchkey0")
	wantErrIs(t, "GetAPIKeyWithUser unknown", err, store.ErrNotFound)
	if err := s.DeleteAPIKey(ctx, "alicekey01"); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	_, _, err = s.GetAPIKeyWithUser(ctx, "alicekey01")
	wantErrIs(t, "GetAPIKeyWithUser after delete", err, store.ErrNotFound)
	if _, _, err := s.GetAPIKeyWithUser(ctx, "bobkey0001"); err != nil {
		t.Errorf("GetAPIKeyWithUser of the other key: %v", err)
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
	_, _, err := s.GetAPIKeyWithUser(ctx, k.ID)
	wantErrIs(t, "GetAPIKeyWithUser of a deleted user's key", err, store.ErrNotFound)
}
