package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var auditTests = []test{
	{"CreateUpdateDelete", testAuditCreateUpdateDelete},
	{"NeverHoldsCiphertext", testAuditNeverHoldsCiphertext},
	{"List", testAuditList},
}

func testAuditCreateUpdateDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, admin := newUser(t, s), newUser(t, s)
	sec := newSecret(owner.ID, "s")
	sec.Description, sec.FilePath = "d", "~/f"
	if _, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: sec, ActorID: admin.ID}); err != nil {
		t.Fatalf("InsertSecret: %v", err)
	}
	plain := newSecret(owner.ID, "plain")
	plain.CreatedAt = base.Add(time.Minute)
	if _, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: plain, ActorID: owner.ID}); err != nil {
		t.Fatalf("InsertSecret: %v", err)
	}
	updated := base.Add(time.Hour)
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{
		OwnerID: owner.ID, Name: "s", EnvName: ptr("S"), Ciphertext: []byte("c2"), KeyID: "k1", ValueSize: 2,
		Now: clockAt(updated), ActorID: owner.ID,
	}); err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	beforeDelete := time.Now().Add(-time.Minute)
	if err := s.DeleteSecret(ctx, owner.ID, "s", owner.ID); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}

	got, err := AuditEntries(ctx, s, 0)
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	entry := func(tm time.Time, actor uuid.UUID, action string, id uuid.UUID, name string, fields ...string) store.AuditEntry {
		return store.AuditEntry{
			Time: stored(tm), ActorID: actor, Action: action, ResourceType: "secret",
			ResourceID: id, OwnerID: owner.ID, ResourceName: name, Fields: fields,
		}
	}
	want := []store.AuditEntry{ // newest first
		entry(time.Time{}, owner.ID, store.AuditDelete, sec.ID, "s"),
		entry(updated, owner.ID, store.AuditUpdate, sec.ID, "s", "value", "env_name"),
		entry(plain.CreatedAt, owner.ID, store.AuditCreate, plain.ID, "plain", "value"),
		entry(base, admin.ID, store.AuditCreate, sec.ID, "s", "value", "description", "file_path"),
	}
	ignore := cmpopts.IgnoreFields(store.AuditEntry{}, "ID")
	if len(got) > 0 {
		// The delete happened now: check its time by hand.
		if got[0].Time.Before(beforeDelete) || got[0].Time.After(time.Now().Add(time.Minute)) {
			t.Errorf("delete entry: got time %v, want about now", got[0].Time)
		}
		want[0].Time = got[0].Time
	}
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("ListAuditEntries mismatch (-want +got):\n%s", diff)
	}
	ids := map[uuid.UUID]bool{}
	for _, e := range got {
		if e.ID == uuid.Nil || ids[e.ID] {
			t.Errorf("got audit entry id %v: want unique, non-nil ids", e.ID)
		}
		ids[e.ID] = true
	}

	limited, err := AuditEntries(ctx, s, 2)
	if err != nil {
		t.Fatalf("ListAuditEntries(2): %v", err)
	}
	if diff := cmp.Diff(want[:2], limited, ignore); diff != "" {
		t.Errorf("ListAuditEntries(2) mismatch (-want +got):\n%s", diff)
	}
}

// testAuditNeverHoldsCiphertext writes recognisable ciphertexts through
// every write path and checks that no audit entry carries them, in any
// form, and that entries name only known fields.
func testAuditNeverHoldsCiphertext(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	canary1, canary2, canary3 := []byte("CANARY-CIPHERTEXT-ONE"), []byte("CANARY-CIPHERTEXT-TWO"), []byte("CANARY-CIPHERTEXT-THREE")
	sec := newSecret(owner.ID, "s")
	sec.Ciphertext, sec.EnvName = canary1, "S"
	insert(t, s, sec)
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "s", Ciphertext: canary2, KeyID: "k1", ValueSize: 3}); err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	if err := s.ReplaceSecretCiphertext(ctx, sec.ID, "k1", canary3, "k2"); err != nil {
		t.Fatalf("ReplaceSecretCiphertext: %v", err)
	}
	if err := s.DeleteSecret(ctx, owner.ID, "s", owner.ID); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	entries, err := AuditEntries(ctx, s, 0)
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	if len(entries) != 3 {
		t.Errorf("got %d audit entries, want 3 (create, update, delete; re-encryption is not audited)", len(entries))
	}
	known := map[string]bool{"value": true, "description": true, "env_name": true, "file_path": true}
	dump := []byte(fmt.Sprintf("%#v %+v %v", entries, entries, entries))
	for _, c := range [][]byte{canary1, canary2, canary3} {
		for _, form := range [][]byte{c, []byte(fmt.Sprintf("%x", c)), []byte(fmt.Sprintf("%v", c))} {
			if bytes.Contains(dump, form) {
				t.Errorf("audit entries hold the ciphertext %q", c)
			}
		}
	}
	for _, e := range entries {
		for _, f := range e.Fields {
			if !known[f] {
				t.Errorf("audit entry %s names field %q: want only %v", e.Action, f, known)
			}
		}
	}
}
