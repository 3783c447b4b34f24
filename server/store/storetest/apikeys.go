package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var apiKeyTests = []test{
	{"InsertGetDelete", testAPIKeyInsertGetDelete},
	{"Errors", testAPIKeyErrors},
}

func testAPIKeyInsertGetDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	tests := []store.APIKey{
		{ID: "session1", HashedSecret: []byte{0xde, 0xad, 0, 0xbe, 0xef}, UserID: u.ID, Kind: "session", ExpiresAt: base.Add(24 * time.Hour), CreatedAt: base},
		{ID: "token1", HashedSecret: []byte("sha256"), UserID: u.ID, Kind: "token", ExpiresAt: base.Add(30 * 24 * time.Hour), CreatedAt: base},
	}
	for _, k := range tests {
		t.Run(k.ID, func(t *testing.T) {
			if err := s.InsertAPIKey(ctx, k); err != nil {
				t.Fatalf("InsertAPIKey: %v", err)
			}
			want := k
			want.ExpiresAt, want.CreatedAt = stored(k.ExpiresAt), stored(k.CreatedAt)
			got, err := s.GetAPIKey(ctx, k.ID)
			if err != nil {
				t.Fatalf("GetAPIKey: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GetAPIKey mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if err := s.DeleteAPIKey(ctx, "session1"); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	_, err := s.GetAPIKey(ctx, "session1")
	wantErrIs(t, "GetAPIKey after delete", err, store.ErrNotFound)
	if _, err := s.GetAPIKey(ctx, "token1"); err != nil {
		t.Errorf("GetAPIKey of the other key: %v", err)
	}
	wantErrIs(t, "DeleteAPIKey again", s.DeleteAPIKey(ctx, "session1"), store.ErrNotFound)
}

func testAPIKeyErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	k := store.APIKey{ID: "dup", HashedSecret: []byte("h"), UserID: u.ID, Kind: "token", ExpiresAt: base, CreatedAt: base}
	if err := s.InsertAPIKey(ctx, k); err != nil {
		t.Fatalf("InsertAPIKey: %v", err)
	}
	wantConflict(t, "InsertAPIKey with a used id", s.InsertAPIKey(ctx, k), "id")

	k2 := store.APIKey{ID: "orphan", HashedSecret: []byte("h"), UserID: uuid.New(), Kind: "token", ExpiresAt: base, CreatedAt: base}
	wantErrIs(t, "InsertAPIKey for an unknown user", s.InsertAPIKey(ctx, k2), store.ErrNotFound)
	_, err := s.GetAPIKey(ctx, "orphan")
	wantErrIs(t, "GetAPIKey unknown", err, store.ErrNotFound)
}
