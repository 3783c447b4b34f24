package cryptstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// TestVariablesSealedAndRotated: a version's variable values rest sealed,
// open through the decorator, keep a start from going on without their key,
// and are re-sealed with a new primary key.
func TestVariablesSealedAndRotated(t *testing.T) {
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
			vars := []byte(`{"password":"` + value + `"}`)
			owner := store.User{ID: uuid.New(), Username: "u" + uuid.NewString()[:8], Email: uuid.NewString() + "@example.com", Role: "admin", HashedPassword: []byte("x"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := cs.InsertUser(ctx, owner); err != nil {
				t.Fatal(err)
			}
			_, v, err := cs.InsertTemplateVersion(ctx, "vars", store.TemplateVersion{Archive: []byte("a"), Requirements: []byte("[]"),
				CreatedBy: owner.ID, Plan: &store.VersionPlan{Info: []byte(`{}`), Variables: vars, Message: "m"}})
			if err != nil {
				t.Fatal(err)
			}
			rest, err := raw.GetVersionPlan(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest.VariablesCiphertext) == 0 || bytes.Contains(rest.VariablesCiphertext, []byte(value)) || rest.Variables != nil {
				t.Fatalf("at rest: got %d bytes of ciphertext (holding the value: %v), want sealed", len(rest.VariablesCiphertext), bytes.Contains(rest.VariablesCiphertext, []byte(value)))
			}
			if got, err := cs.GetVersionPlan(ctx, v.ID); err != nil || !bytes.Equal(got.Variables, vars) {
				t.Fatalf("through the decorator: got %d bytes, %v", len(got.Variables), err)
			}
			if _, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}}); err == nil || !strings.Contains(err.Error(), "template variable") {
				t.Fatalf("open without the old key: got %v, want a refusal naming the template variables", err)
			}
			if _, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key, oldKey}}); err != nil {
				t.Fatal(err)
			}
			ids, err := raw.VariablesKeyIDs(ctx)
			if err != nil || len(ids) != 1 || ids[secretcrypt.KeyID(key)] != 1 {
				t.Errorf("variables key ids after rotation: got %v, %v, want only the new key", ids, err)
			}
			alone, err := cryptstore.New(raw, cryptstore.Options{Keys: [][]byte{key}})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := alone.GetVersionPlan(ctx, v.ID); err != nil || got.VariablesErr != nil || !bytes.Equal(got.Variables, vars) {
				t.Errorf("with the new key alone: got %d bytes, %v, %v", len(got.Variables), err, got.VariablesErr)
			}
		})
	}
}
