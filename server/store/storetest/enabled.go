package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/server/store"
)

// enabledTests: issue 13's enabled flag and batch insert (import).
var enabledTests = []test{
	{"DisabledOwnsNoTarget", testDisabledOwnsNoTarget},
	{"EnableClaimsTargets", testEnableClaimsTargets},
	{"EnabledNeedsTarget", testEnabledNeedsTarget},
	{"BatchInsert", testBatchInsert},
	{"BatchCollisions", testBatchCollisions},
	{"BatchQuota", testBatchQuota},
	{"BatchRace", testBatchRace},
}

func targeted(sec store.Secret, env, file string, enabled bool) store.Secret {
	sec.EnvName, sec.FilePath, sec.Enabled = env, file, enabled
	return sec
}

// A disabled secret may hold the targets of an enabled one, and an enabled
// one may take a disabled one's targets.
func testDisabledOwnsNoTarget(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, targeted(newSecret(owner.ID, "on"), "TOKEN", "~/.token", true))
	off := insert(t, s, targeted(newSecret(owner.ID, "off"), "TOKEN", "~/.token", false))
	if off.Enabled {
		t.Errorf("InsertSecret of a disabled secret returned Enabled true")
	}
	got, err := s.GetSecret(ctx, owner.ID, "off")
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if got.Enabled || got.EnvName != "TOKEN" || got.FilePath != "~/.token" {
		t.Errorf("stored disabled secret: got enabled=%v env=%q file=%q", got.Enabled, got.EnvName, got.FilePath)
	}
	// A second enabled secret on those targets still clashes with "on".
	_, err = s.InsertSecret(ctx, store.InsertSecretParams{Secret: targeted(newSecret(owner.ID, "on2"), "TOKEN", "", true)})
	wantConflict(t, "InsertSecret on an enabled secret's env", err, "env_name")
	// Moving the disabled one elsewhere and back works.
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "off", EnvName: ptr("OTHER")}); err != nil {
		t.Fatalf("UpdateSecret of a disabled secret: %v", err)
	}
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "off", EnvName: ptr("TOKEN")}); err != nil {
		t.Fatalf("UpdateSecret of a disabled secret onto an enabled one's env: %v", err)
	}
	// Disabling "on" frees its targets for "on2".
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "on", Enabled: ptr(false)}); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if _, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: targeted(newSecret(owner.ID, "on2"), "TOKEN", "", true)}); err != nil {
		t.Fatalf("InsertSecret on a disabled secret's env: %v", err)
	}
}

// Enabling a secret whose target another enabled secret holds is a
// conflict on that field, and changes nothing.
func testEnableClaimsTargets(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, targeted(newSecret(owner.ID, "a"), "A", "/a", true))
	for _, tt := range []struct {
		name, env, file, field string
	}{
		{"env", "A", "/other", "env_name"},
		{"file", "OTHER", "/a", "file_path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := insert(t, s, targeted(newSecret(owner.ID, "b-"+tt.name), tt.env, tt.file, false))
			before := auditCount(t, s)
			_, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: b.Name, Enabled: ptr(true)})
			wantConflict(t, "enable", err, tt.field)
			got, err := s.GetSecret(ctx, owner.ID, b.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Enabled {
				t.Errorf("a refused enable left the secret enabled")
			}
			if n := auditCount(t, s); n != before {
				t.Errorf("got %d audit entries after a refused enable, want %d", n, before)
			}
		})
	}
	// Enabling with a free target in the same update works, and the audit
	// entry names the field.
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "b-env", EnvName: ptr("FREE"), Enabled: ptr(true), ActorID: owner.ID}); err != nil {
		t.Fatalf("enable with a free target: %v", err)
	}
	entries, err := AuditEntries(ctx, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !cmp.Equal(entries[0].Fields, []string{"env_name", "enabled"}) {
		t.Errorf("audit entry of an enable: got %+v, want fields [env_name enabled]", entries)
	}
}

// An enabled secret keeps a target: clearing its last one, or enabling a
// secret without one, is store.ErrNoTarget; disabling in the same update
// is allowed.
func testEnabledNeedsTarget(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, targeted(newSecret(owner.ID, "e"), "E", "/e", true))
	insert(t, s, newSecret(owner.ID, "bare"))
	for _, tt := range []struct {
		name string
		p    store.UpdateSecretParams
	}{
		{"clear both", store.UpdateSecretParams{Name: "e", EnvName: ptr(""), FilePath: ptr("")}},
		{"enable one without a target", store.UpdateSecretParams{Name: "bare", Enabled: ptr(true)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.OwnerID = owner.ID
			_, err := s.UpdateSecret(ctx, p)
			wantErrIs(t, "UpdateSecret", err, store.ErrNoTarget)
		})
	}
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "e", EnvName: ptr(""), FilePath: ptr("/f")}); err != nil {
		t.Errorf("clearing one target of two: %v", err)
	}
	got, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "e", FilePath: ptr(""), Enabled: ptr(false)})
	if err != nil {
		t.Fatalf("clearing the last target while disabling: %v", err)
	}
	if got.Enabled || got.EnvName != "" || got.FilePath != "" {
		t.Errorf("got %+v, want a disabled secret with no target", got)
	}
}

func batch(owner store.User, secs ...store.Secret) store.InsertSecretsParams {
	return store.InsertSecretsParams{OwnerID: owner.ID, Secrets: secs, ActorID: owner.ID}
}

// A batch is stored whole, in order, with one audit entry per secret.
func testBatchInsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	before := auditCount(t, s)
	secs := []store.Secret{
		targeted(newSecret(owner.ID, "B_TOKEN"), "B_TOKEN", "", true),
		targeted(newSecret(owner.ID, "A_TOKEN"), "A_TOKEN", "", true),
		newSecret(owner.ID, "not-an-env"),
	}
	got, err := s.InsertSecrets(ctx, batch(owner, secs...))
	if err != nil {
		t.Fatalf("InsertSecrets: %v", err)
	}
	if len(got) != 3 || got[0].Name != "B_TOKEN" || got[2].Enabled {
		t.Fatalf("InsertSecrets returned %+v", got)
	}
	for i, sec := range secs {
		stored, err := SecretWithValue(ctx, s, owner.ID, sec.Name)
		if err != nil {
			t.Fatalf("secret %d: %v", i, err)
		}
		if diff := cmp.Diff(withValue(sec), stored); diff != "" {
			t.Errorf("secret %d stored (-want +got):\n%s", i, diff)
		}
		if got[i].Ciphertext != nil {
			t.Errorf("InsertSecrets returned a ciphertext")
		}
	}
	if n := auditCount(t, s); n != before+3 {
		t.Errorf("got %d new audit entries, want 3", n-before)
	}
	entries, err := AuditEntries(ctx, s, 3)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if e.Action != store.AuditCreate || e.ActorID != owner.ID || e.OwnerID != owner.ID {
			t.Errorf("audit entry %+v: want a create by the owner", e)
		}
		names[e.ResourceName] = true
	}
	if len(names) != 3 {
		t.Errorf("audit entries name %v, want the 3 secrets", names)
	}
}

// Every collision of a batch is listed, with its index, and nothing is
// written.
func testBatchCollisions(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, targeted(newSecret(owner.ID, "HAVE"), "HAVE", "", true))
	insert(t, s, targeted(newSecret(owner.ID, "taken-env"), "TAKEN", "/taken", true))
	insert(t, s, targeted(newSecret(owner.ID, "off"), "OFF", "", false))
	before := auditCount(t, s)
	secs := []store.Secret{
		targeted(newSecret(owner.ID, "FINE"), "FINE", "", true),
		targeted(newSecret(owner.ID, "HAVE"), "HAVE", "", true),        // 1: name
		targeted(newSecret(owner.ID, "TAKEN"), "TAKEN", "", true),      // 2: env of taken-env
		targeted(newSecret(owner.ID, "OFF"), "OFF", "", true),          // fine: "off" is disabled
		targeted(newSecret(owner.ID, "TAKEN_OFF"), "TAKEN", "", false), // fine: disabled
		targeted(newSecret(owner.ID, "DUP"), "FINE", "", true),         // 5: env of batch #0
		targeted(newSecret(owner.ID, "F"), "F", "/taken", true),        // 6: file of taken-env
	}
	_, err := s.InsertSecrets(ctx, batch(owner, secs...))
	var be *store.BatchConflictError
	if !errors.As(err, &be) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("InsertSecrets: got %v, want a *store.BatchConflictError", err)
	}
	want := []store.Collision{
		{Index: 1, Name: "HAVE", Field: "name", Existing: "HAVE"},
		{Index: 2, Name: "TAKEN", Field: "env_name", Existing: "taken-env"},
		{Index: 5, Name: "DUP", Field: "env_name", Existing: "FINE", InBatch: true},
		{Index: 6, Name: "F", Field: "file_path", Existing: "taken-env"},
	}
	if diff := cmp.Diff(want, be.Collisions); diff != "" {
		t.Errorf("collisions (-want +got):\n%s", diff)
	}
	list, err := s.ListSecrets(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Errorf("got %d secrets after a refused batch, want the 3 there were", len(list))
	}
	if n := auditCount(t, s); n != before {
		t.Errorf("got %d audit entries after a refused batch, want %d", n, before)
	}
}

// The quotas are checked for the batch as a whole.
func testBatchQuota(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, tt := range []struct {
		name  string
		quota store.Quota
		want  store.LimitError
	}{
		{"count", store.Quota{MaxSecrets: 3}, store.LimitError{Limit: store.LimitSecrets, Max: 3, Would: 4}},
		{"total bytes", store.Quota{MaxTotalBytes: 35}, store.LimitError{Limit: store.LimitTotalBytes, Max: 35, Would: 40}},
		// The disabled secret's 10 bytes do not count as env bytes.
		{"env bytes", store.Quota{MaxEnvBytes: 25}, store.LimitError{Limit: store.LimitEnvBytes, Max: 25, Would: 30}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			owner := newUser(t, s)
			insert(t, s, sized(owner, "have", 10, "HAVE"))
			p := batch(owner, sized(owner, "x", 10, "X"), sized(owner, "y", 10, "Y"), sized(owner, "z", 10, ""))
			p.Quota = tt.quota
			_, err := s.InsertSecrets(ctx, p)
			wantLimit(t, "InsertSecrets", err, tt.want)
			list, err := s.ListSecrets(ctx, owner.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 {
				t.Errorf("got %d secrets after a refused batch, want 1", len(list))
			}
		})
	}
}

// A batch racing single inserts of the same names: either the batch wins
// whole and each single insert is a conflict, or a single insert wins and
// the batch is refused whole.
func testBatchRace(t *testing.T, s store.Store) {
	ctx := t.Context()
	for round := range 5 {
		owner := newUser(t, s)
		var secs []store.Secret
		for i := range 5 {
			n := fmt.Sprintf("K%d", i)
			secs = append(secs, targeted(newSecret(owner.ID, n), n, "", true))
		}
		errs := runConcurrently(6, func(i int) error {
			if i == 5 {
				_, err := s.InsertSecrets(ctx, batch(owner, secs...))
				return err
			}
			n := fmt.Sprintf("K%d", i)
			_, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: targeted(newSecret(owner.ID, n), n, "", true)})
			return err
		})
		for i, err := range errs {
			if err != nil && !errors.Is(err, store.ErrConflict) {
				t.Fatalf("round %d, call %d: got %v, want success or a conflict", round, i, err)
			}
		}
		list, err := s.ListSecrets(ctx, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 5 {
			t.Errorf("round %d: got %d secrets, want 5", round, len(list))
		}
		if errs[5] == nil {
			for i := range 5 {
				if errs[i] == nil {
					t.Errorf("round %d: the batch and single insert %d both succeeded", round, i)
				}
			}
		}
	}
}
