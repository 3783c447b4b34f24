package cryptstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// TestBuildSecretsSealedAndRotated: a build secret's value rests sealed,
// opens through the decorator, keeps a server
// without its key from starting, and is re-sealed with a new primary key.
func TestBuildSecretsSealedAndRotated(t *testing.T) {
	for _, b := range servertest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			raw, _ := b.Open(t)
			oldKey, key := newKey(t), newKey(t)
			cs, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{oldKey}})
			if err != nil {
				t.Fatal(err)
			}
			value := canary(t)
			owner := store.User{ID: uuid.New(), Username: "u" + uuid.NewString()[:8], Email: uuid.NewString() + "@example.com", Role: "admin", HashedPassword: []byte("x"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := cs.InsertUser(ctx, owner); err != nil {
				t.Fatal(err)
			}
			tmpl, v, err := cs.InsertTemplateVersion(ctx, "t", store.TemplateVersion{Archive: []byte("a"), Requirements: []byte("[]"), CreatedBy: owner.ID})
			if err != nil {
				t.Fatal(err)
			}
			_, build, err := cs.InsertWorkspace(ctx, store.Workspace{Name: "w", OwnerID: owner.ID, TemplateID: tmpl.ID},
				store.WorkspaceBuild{Transition: sdk.TransitionStart, TemplateVersionID: v.ID, InitiatorID: owner.ID,
					Secrets: []store.BuildSecret{{Name: "tok", EnvName: "TOK", SetBuildNumber: 1, Value: sdk.SecretValue(value)}}})
			if err != nil {
				t.Fatal(err)
			}
			rest, err := raw.ListBuildSecretsWithValues(ctx, build.ID)
			if err != nil || len(rest) != 1 {
				t.Fatalf("at rest: %d rows, %v", len(rest), err)
			}
			if len(rest[0].Ciphertext) == 0 || bytes.Contains(rest[0].Ciphertext, []byte(value)) || rest[0].ValueSize != len(value) {
				t.Fatalf("at rest: %d bytes of ciphertext (holding the value: %v), size %d", len(rest[0].Ciphertext), bytes.Contains(rest[0].Ciphertext, []byte(value)), rest[0].ValueSize)
			}
			got, err := cs.ListBuildSecretsWithValues(ctx, build.ID)
			if err != nil || len(got) != 1 || got[0].ValueErr != nil || got[0].Value.Reveal() != value || got[0].Ciphertext != nil {
				t.Fatalf("through the decorator: %+v, %v", got, err)
			}
			if _, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}}); err == nil || !strings.Contains(err.Error(), "build secret") {
				t.Fatalf("open without the old key: got %v, want a refusal naming the build secrets", err)
			}
			cs2, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key, oldKey}})
			if err != nil {
				t.Fatal(err)
			}
			ids, err := raw.BuildSecretKeyIDs(ctx)
			if err != nil || len(ids) != 1 || ids[secretcrypt.KeyID(key)] != 1 {
				t.Errorf("build secret key ids after rotation: got %v, %v, want only the new key", ids, err)
			}
			cs3, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}})
			if err != nil {
				t.Fatalf("after rotation the new key alone opens: %v", err)
			}
			for _, c := range []*cryptstore.Store{cs2, cs3} {
				got, err := c.ListBuildSecretsWithValues(ctx, build.ID)
				if err != nil || len(got) != 1 || got[0].Value.Reveal() != value {
					t.Fatalf("after rotation: %+v, %v", got, err)
				}
			}
		})
	}
}
