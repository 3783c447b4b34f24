package server_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgtest"
)

// TestValuesEncryptedAtRest plants a canary and searches the raw SQLite
// file (with its WAL) or a pg_dump of the database for it.
func TestValuesEncryptedAtRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "gina")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "canary", Value: sdk.SecretValue(value), EnvName: "CANARY", FilePath: "~/canary"}); err != nil {
			t.Fatal(err)
		}
		updated := canary(t)
		if _, err := c.UpdateSecret(ctx, sdk.Me, "canary", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue(updated))}); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		switch b.Name {
		case "sqlite":
			for _, suffix := range []string{"", "-wal", "-shm"} {
				data, err := os.ReadFile(s.Where + suffix)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				raw = append(raw, data...)
			}
			if !bytes.Contains(raw, []byte("CANARY")) {
				t.Fatal("the search cannot fail: the env name CANARY is not in the SQLite file either")
			}
		case "postgres":
			raw = pgtest.PGDump(t, s.Where)
			if !bytes.Contains(raw, []byte("CANARY")) {
				t.Fatal("the search cannot fail: the env name CANARY is not in the dump either")
			}
		}
		for _, v := range []string{value, updated} {
			if bytes.Contains(raw, []byte(v)) {
				t.Fatalf("%s holds a secret value in plaintext", b.Name)
			}
		}
	})
}

// TestCiphertextBoundToRow copies one row's ciphertext into another row:
// the copy must not open.
func TestCiphertextBoundToRow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "hank")
		for _, name := range []string{"first", "second"} {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: name, Value: sdk.SecretValue(canary(t)), EnvName: strings.ToUpper(name)}); err != nil {
				t.Fatal(err)
			}
		}
		me, _ := c.User(ctx, sdk.Me)
		if _, err := s.Values(ctx, me.ID); err != nil {
			t.Fatalf("values before the copy: %v", err)
		}
		rows, err := s.Store.ListSecretsWithValues(ctx, me.ID)
		if err != nil || len(rows) != 2 {
			t.Fatalf("ListSecretsWithValues: got %d rows, %v, want 2", len(rows), err)
		}
		first, second := rows[0], rows[1]
		if err := s.Store.ReplaceSecretCiphertext(ctx, second.ID, second.KeyID, first.Ciphertext, first.KeyID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Values(ctx, me.ID)
		if !errors.Is(err, secretcrypt.ErrDecrypt) {
			t.Fatalf("values after copying a ciphertext between rows: got %v, want ErrDecrypt", err)
		}
	})
}

// TestWrongKeyRefusesToStart stores a secret, then starts a server on the
// same store with another key: it must refuse and say why. With the old
// key added behind a new primary, it starts and re-encrypts.
func TestWrongKeyRefusesToStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "ivy")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: sdk.SecretValue(value), EnvName: "K"}); err != nil {
			t.Fatal(err)
		}
		newKey, _ := secretcrypt.GenerateKey()
		wrong := [][]byte{newKey}
		_, err := cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: wrong})
		if err == nil {
			t.Fatal("server started with the wrong key")
		}
		if !strings.Contains(err.Error(), s.Crypt.PrimaryKeyID()) || !strings.Contains(err.Error(), "not among the configured keys") {
			t.Fatalf("got error %q, want it to name key id %s and say it is not configured", err, s.Crypt.PrimaryKeyID())
		}

		// Rotation: new primary first, old key kept.
		oldKeyIDs, err := s.Store.SecretKeyIDs(ctx)
		if err != nil || oldKeyIDs[s.Crypt.PrimaryKeyID()] != 1 {
			t.Fatalf("key ids before rotation: %v, %v", oldKeyIDs, err)
		}
		rotated, err := cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: append([][]byte{newKey}, s.RawKeys...)})
		if err != nil {
			t.Fatalf("start with new primary and old key: %v", err)
		}
		ids, err := s.Store.SecretKeyIDs(ctx)
		if err != nil || len(ids) != 1 || ids[rotated.PrimaryKeyID()] != 1 {
			t.Fatalf("key ids after rotation: %v, %v; want only %s", ids, err, rotated.PrimaryKeyID())
		}
		me, _ := c.User(ctx, sdk.Me)
		vals, err := servertest.Values(ctx, rotated, me.ID)
		if err != nil || len(vals) != 1 || vals[0].Value.Reveal() != value {
			t.Fatalf("value after rotation does not open to the original (err %v)", err)
		}
		// Now the new key alone is enough.
		if _, err := cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: wrong}); err != nil {
			t.Fatalf("start with the new key alone after rotation: %v", err)
		}
	})
}
