package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var keyTests = []test{
	{"KeyIDs", testKeyIDs},
	{"ListByKeyID", testListByKeyID},
	{"ReplaceCiphertext", testReplaceCiphertext},
}

// keyed inserts secrets sealed by the given key ids (one each, for two
// owners alternately) and returns them.
func keyed(t *testing.T, s store.Store, keyIDs ...string) []store.Secret {
	t.Helper()
	owners := []store.User{newUser(t, s), newUser(t, s)}
	var out []store.Secret
	for i, k := range keyIDs {
		sec := newSecret(owners[i%2].ID, "s"+string(rune('a'+i)))
		sec.KeyID, sec.Ciphertext = k, []byte("sealed by "+k+" #"+string(rune('a'+i)))
		insert(t, s, sec)
		out = append(out, sec)
	}
	return out
}

func testKeyIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.SecretKeyIDs(ctx)
	if err != nil {
		t.Fatalf("SecretKeyIDs: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("SecretKeyIDs of an empty store: got %v, want none", got)
	}
	keyed(t, s, "k1", "k2", "k1", "k1", "k3")
	got, err = s.SecretKeyIDs(ctx)
	if err != nil {
		t.Fatalf("SecretKeyIDs: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"k1": 3, "k2": 1, "k3": 1}, got); diff != "" {
		t.Errorf("SecretKeyIDs mismatch (-want +got):\n%s", diff)
	}
}

func testListByKeyID(t *testing.T, s store.Store) {
	ctx := t.Context()
	all := keyed(t, s, "k1", "k2", "k1", "k1")
	byID := map[uuid.UUID]store.Secret{}
	for _, sec := range all {
		byID[sec.ID] = sec
	}
	tests := []struct {
		keyID string
		limit int
		want  int
	}{
		{"k1", 0, 3},
		{"k1", 2, 2},
		{"k1", 10, 3},
		{"k2", 0, 1},
		{"nope", 0, 0},
	}
	for _, tt := range tests {
		got, err := s.ListSecretsByKeyID(ctx, tt.keyID, tt.limit)
		if err != nil {
			t.Fatalf("ListSecretsByKeyID(%q, %d): %v", tt.keyID, tt.limit, err)
		}
		if len(got) != tt.want {
			t.Errorf("ListSecretsByKeyID(%q, %d): got %d secrets, want %d", tt.keyID, tt.limit, len(got), tt.want)
		}
		for _, sec := range got {
			if diff := cmp.Diff(withValue(byID[sec.ID]), sec); diff != "" {
				t.Errorf("ListSecretsByKeyID(%q, %d) mismatch (-want +got):\n%s", tt.keyID, tt.limit, diff)
			}
		}
	}
}

func testReplaceCiphertext(t *testing.T, s store.Store) {
	ctx := t.Context()
	sec := keyed(t, s, "old")[0]
	get := func() store.Secret {
		t.Helper()
		got, err := SecretWithValue(ctx, s, sec.OwnerID, sec.Name)
		if err != nil {
			t.Fatalf("GetSecretWithValue: %v", err)
		}
		return got
	}

	if err := s.ReplaceSecretCiphertext(ctx, sec.ID, "old", []byte("resealed"), "new"); err != nil {
		t.Fatalf("ReplaceSecretCiphertext: %v", err)
	}
	want := withValue(sec)
	want.Ciphertext, want.KeyID = []byte("resealed"), "new"
	if diff := cmp.Diff(want, get()); diff != "" {
		t.Errorf("after ReplaceSecretCiphertext (-want +got):\n%s", diff)
	}

	// Sealed by "new" now: a replace that expects "old" must not undo it.
	wantConflict(t, "ReplaceSecretCiphertext with a stale key id",
		s.ReplaceSecretCiphertext(ctx, sec.ID, "old", []byte("stale"), "other"), "key_id")
	if diff := cmp.Diff(want, get()); diff != "" {
		t.Errorf("after a stale ReplaceSecretCiphertext (-want +got):\n%s", diff)
	}

	wantErrIs(t, "ReplaceSecretCiphertext of an unknown secret",
		s.ReplaceSecretCiphertext(ctx, uuid.New(), "new", []byte("x"), "y"), store.ErrNotFound)
}
