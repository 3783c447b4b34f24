package secretcrypt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/usersecrets/coder/server/secretcrypt"
)

type row struct {
	id    int
	ct    []byte
	keyID string
}

// TestResealSkipsRowsThatDoNotOpen re-seals rows of an old key, one of
// them altered: the others are re-sealed, the altered one is counted and
// left as it was, and Reseal returns no error (the server still starts).
func TestResealSkipsRowsThatDoNotOpen(t *testing.T) {
	t.Parallel()
	oldKey, newKey := mustKey(t), mustKey(t)
	oldRing, _ := secretcrypt.NewKeyring(oldKey)
	kr, _ := secretcrypt.NewKeyring(newKey, oldKey)
	aad := func(id int) []byte { return []byte(fmt.Sprint("row ", id)) }
	var rows []*row
	for i := 0; i < 5; i++ {
		ct, keyID, err := oldRing.Seal([]byte(fmt.Sprint("value ", i)), aad(i))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, &row{i, ct, keyID})
	}
	rows[0].ct[len(rows[0].ct)-1] ^= 1
	altered := append([]byte(nil), rows[0].ct...)
	n, bad, err := secretcrypt.Reseal(context.Background(), kr, map[string]int{oldRing.PrimaryID(): len(rows)},
		func(_ context.Context, keyID string) ([]*row, error) {
			var out []*row
			for _, r := range rows {
				if r.keyID == keyID && len(out) < 2 {
					out = append(out, r)
				}
			}
			return out, nil
		},
		func(r *row) ([]byte, []byte) { return r.ct, aad(r.id) },
		func(_ context.Context, r *row, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			if r.keyID != oldKeyID {
				return false, nil
			}
			r.ct, r.keyID = ct, newKeyID
			return true, nil
		})
	if err != nil {
		t.Fatalf("Reseal: got %v, want no error", err)
	}
	if n != 4 || bad != 1 {
		t.Errorf("Reseal: got %d re-sealed, %d unopened, want 4, 1", n, bad)
	}
	for _, r := range rows[1:] {
		if pt, err := kr.Open(r.ct, r.keyID, aad(r.id)); err != nil || r.keyID != kr.PrimaryID() || string(pt) != fmt.Sprint("value ", r.id) {
			t.Errorf("row %d after Reseal: got key %s, %v, want it re-sealed by the primary key", r.id, r.keyID, err)
		}
	}
	if rows[0].keyID != oldRing.PrimaryID() || string(rows[0].ct) != string(altered) {
		t.Errorf("altered row after Reseal: got key %s, want it left as it was", rows[0].keyID)
	}
}
