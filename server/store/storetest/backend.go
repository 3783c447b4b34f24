package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// Backend is a store package under RunBackend: how to make a database and
// open the store on it.
type Backend struct {
	// NewDatabase returns where a new, empty database is (a path, a URL);
	// it goes when t ends.
	NewDatabase func(t *testing.T) string
	// Open opens the store on the database, migrating it.
	Open func(ctx context.Context, where string) (store.Store, error)
	// Driver and DSN open the database through database/sql, without
	// migrating it.
	Driver string
	DSN    func(where string) string
	// Migrations holds the embedded NNNN_*.up.sql files at its root.
	Migrations fs.FS
	// Legacy is how the loader of older releases recorded versions.
	Legacy Legacy
	// Time is a time as the database's time columns take it in a raw
	// statement.
	Time func(time.Time) any
	// TableExists selects a row if the table its one parameter names
	// exists.
	TableExists string
}

// RunBackend runs the conformance suite and the tests of opening and
// migrating a database against b. Raw statements use $1, $2, ...
// parameters, which both databases take.
func RunBackend(t *testing.T, b Backend) {
	t.Run("Conformance", func(t *testing.T) {
		Run(t, func(t *testing.T) store.Store { return b.open(t, b.NewDatabase(t)) })
	})
	t.Run("OpenTwiceKeepsDataAndMigrations", b.testOpenTwice)
	t.Run("OpenRefusesNewerSchema", b.testRefusesNewer)
	for _, upTo := range []int{5, 3} {
		t.Run(fmt.Sprintf("OpenUpgradesLegacyDatabase/upTo%d", upTo), func(t *testing.T) { b.testLegacy(t, upTo) })
	}
}

// open opens the store on where and closes it when t ends.
func (b Backend) open(t *testing.T, where string) store.Store { return Opened(t, where, b.Open) }

// Opened opens a store with open on where and closes it when t ends.
func Opened[S io.Closer](t *testing.T, where string, open func(context.Context, string) (S, error)) S {
	t.Helper()
	s, err := open(t.Context(), where)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// versions lists the embedded migrations' versions.
func (b Backend) versions(t *testing.T) []int64 {
	t.Helper()
	names, err := fs.Glob(b.Migrations, "*.up.sql")
	if err != nil {
		t.Fatalf("list migrations: %v", err)
	}
	var out []int64
	// Versions start at 1 and increase. A gap is allowed: work in
	// progress on separate branches reserves its numbers, and goose applies
	// what it finds in order.
	for i, name := range names { // fs.Glob sorts
		var v int64
		if _, err := fmt.Sscanf(name, "%04d_", &v); err != nil || !strings.HasPrefix(name, fmt.Sprintf("%04d_", v)) ||
			(i == 0 && v != 1) || (i > 0 && v <= out[i-1]) {
			t.Fatalf("migration %s: want a name that starts with a 4-digit version, 1 first, increasing", name)
		}
		out = append(out, v)
	}
	return out
}

// AddSecret inserts a user and one secret with the given ciphertext.
func AddSecret(t *testing.T, s store.Store, ciphertext []byte) store.Secret {
	t.Helper()
	ctx := t.Context()
	u := store.User{ID: uuid.New(), Username: "u" + uuid.NewString()[:8], Email: uuid.NewString() + "@example.com", Role: "member", HashedPassword: []byte("h")}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	sec, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: store.Secret{
		OwnerID: u.ID, Name: "s", EnvName: "S", Enabled: true, ValueSize: 5, Ciphertext: ciphertext, KeyID: "k1",
	}})
	if err != nil {
		t.Fatalf("InsertSecret: %v", err)
	}
	return sec
}

func (b Backend) testOpenTwice(t *testing.T) {
	ctx := t.Context()
	where := b.NewDatabase(t)
	var first store.Secret
	for i := range 3 {
		s, err := b.Open(ctx, where)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		if i == 0 {
			first = AddSecret(t, s, []byte("c"))
		}
		got, err := s.GetSecret(ctx, first.OwnerID, first.Name)
		if err != nil {
			t.Errorf("Open #%d: GetSecret: %v", i, err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("Open #%d: secret mismatch (-want +got):\n%s", i, diff)
		}
		db, err := dbOf(s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(b.versions(t), AppliedVersions(t, db)); diff != "" {
			t.Errorf("Open #%d: goose_db_version mismatch (-want +got):\n%s", i, diff)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func (b Backend) testRefusesNewer(t *testing.T) {
	where := b.NewDatabase(t)
	db, err := dbOf(b.open(t, where))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatalf("insert version: %v", err)
	}
	s, err := b.Open(t.Context(), where)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a database from a newer binary: got success, want an error")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("got error %q, want it to say the schema is newer", err)
	}
}

// testLegacy opens a database that the loader of releases before goose
// migrated up to version upTo, with a user and a secret in it: Open keeps
// the data, records the old versions in goose's table, drops the old table
// and applies only what is missing.
func (b Backend) testLegacy(t *testing.T, upTo int) {
	ctx := t.Context()
	where := b.NewDatabase(t)
	db, err := sql.Open(b.Driver, b.DSN(where))
	if err != nil {
		t.Fatal(err)
	}
	applyLegacy(t, db, b.Migrations, b.Legacy, upTo)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	u := store.User{ID: uuid.New(), Username: "old", Email: "old@example.com", Name: "Old", HashedPassword: []byte("h"), Role: "admin", CreatedAt: at, UpdatedAt: at}
	sec := store.Secret{ID: uuid.New(), OwnerID: u.ID, Name: "s", EnvName: "S", Enabled: true, ValueSize: 3, Ciphertext: []byte("old"), KeyID: "k0", CreatedAt: at, UpdatedAt: at}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, username, email, name, hashed_password, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			[]any{u.ID, u.Username, u.Email, u.Name, u.HashedPassword, u.Role, b.Time(at)}},
		{`INSERT INTO secrets (id, owner_id, name, description, env_name, file_path, value_ciphertext, value_key_id, value_size, created_at, updated_at) VALUES ($1, $2, $3, '', $4, NULL, $5, $6, $7, $8, $8)`,
			[]any{sec.ID, u.ID, sec.Name, sec.EnvName, sec.Ciphertext, sec.KeyID, sec.ValueSize, b.Time(at)}},
		// A secret with no target: migration 0006 disables it.
		{`INSERT INTO secrets (id, owner_id, name, description, env_name, file_path, value_ciphertext, value_key_id, value_size, created_at, updated_at) VALUES ($1, $2, 'bare', '', NULL, NULL, $3, $4, $5, $6, $6)`,
			[]any{uuid.New(), u.ID, sec.Ciphertext, sec.KeyID, sec.ValueSize, b.Time(at)}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := b.open(t, where)
	checkLegacyUpgrade(t, s, u, sec, upTo, b.versions(t), b.TableExists)
	if bare, err := s.GetSecret(ctx, u.ID, "bare"); err != nil || bare.Enabled {
		t.Errorf("a secret with no target after the upgrade: got enabled=%v (%v), want it disabled", bare.Enabled, err)
	}
}

// Call is one named call of a store method.
type Call struct {
	Name string
	Do   func() error
}

// CheckReads runs allowed, which must succeed, and refused, which must
// fail with an error containing refusal: the backend's test has denied the
// store the reads of one column.
func CheckReads(t *testing.T, allowed, refused []Call, refusal string) {
	t.Helper()
	for _, c := range allowed {
		if err := c.Do(); err != nil {
			t.Errorf("%s read the denied column (or failed): %v", c.Name, err)
		}
	}
	for _, c := range refused {
		if err := c.Do(); err == nil || !strings.Contains(err.Error(), refusal) {
			t.Errorf("%s: got %v, want %q (is the column denied?)", c.Name, err, refusal)
		}
	}
}

// SecretMetadataCalls are the calls on sec (from AddSecret) that never
// read secrets.value_ciphertext; SecretValueCalls read it.
func SecretMetadataCalls(ctx context.Context, s store.Store, sec store.Secret) []Call {
	return []Call{
		{"ListSecrets", func() error { _, err := s.ListSecrets(ctx, sec.OwnerID); return err }},
		{"GetSecret", func() error { _, err := s.GetSecret(ctx, sec.OwnerID, sec.Name); return err }},
		{"UpdateSecret", func() error {
			_, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: sec.OwnerID, Name: sec.Name, Description: ptr("d")})
			return err
		}},
		{"SecretKeyIDs", func() error { _, err := s.SecretKeyIDs(ctx); return err }},
		{"InsertSecret", func() error {
			_, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: store.Secret{
				OwnerID: sec.OwnerID, Name: "other", ValueSize: 1, Ciphertext: []byte("c"), KeyID: "k1",
			}})
			return err
		}},
		{"DeleteSecret", func() error { return s.DeleteSecret(ctx, sec.OwnerID, "other", sec.OwnerID) }},
	}
}

// SecretValueCalls: see SecretMetadataCalls.
func SecretValueCalls(ctx context.Context, s store.Store, sec store.Secret) []Call {
	return []Call{
		{"ListSecretsWithValues", func() error { _, err := s.ListSecretsWithValues(ctx, sec.OwnerID); return err }},
	}
}

// WorkspaceWithState stores a user and a workspace (named "dev") whose
// first build recorded the state "sealed", sealed by key "k1".
func WorkspaceWithState(t *testing.T, s store.Store) (store.Workspace, store.User) {
	t.Helper()
	ctx := t.Context()
	u := store.User{ID: uuid.New(), Username: "owner", Email: "owner@example.com", Role: "member", HashedPassword: []byte("h")}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	tmpl, v, err := s.InsertTemplateVersion(ctx, "t", store.TemplateVersion{Archive: []byte("tar"), CreatedBy: u.ID})
	if err != nil {
		t.Fatalf("InsertTemplateVersion: %v", err)
	}
	w, b, err := s.InsertWorkspace(ctx, store.Workspace{Name: "dev", OwnerID: u.ID, TemplateID: tmpl.ID},
		store.WorkspaceBuild{Transition: "start", TemplateVersionID: v.ID, InitiatorID: u.ID})
	if err != nil {
		t.Fatalf("InsertWorkspace: %v", err)
	}
	if _, err := s.ClaimBuild(ctx, "w", time.Now()); err != nil {
		t.Fatalf("ClaimBuild: %v", err)
	}
	if err := s.CompleteBuild(ctx, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w", Status: "succeeded", State: []byte("sealed"), StateKeyID: "k1"}); err != nil {
		t.Fatalf("CompleteBuild: %v", err)
	}
	return w, u
}

// WorkspaceMetadataCalls are the calls on w (from WorkspaceWithState) that
// never read workspaces.state_ciphertext; WorkspaceStateCalls read it.
func WorkspaceMetadataCalls(ctx context.Context, s store.Store, w store.Workspace) []Call {
	return []Call{
		{"GetWorkspaceByID", func() error { _, err := s.GetWorkspaceByID(ctx, w.ID); return err }},
		{"GetWorkspaceByOwnerAndName", func() error { _, err := s.GetWorkspaceByOwnerAndName(ctx, w.OwnerID, w.Name); return err }},
		{"ListWorkspaces", func() error { _, err := s.ListWorkspaces(ctx, w.OwnerID); return err }},
		{"AllWorkspaces", func() error { _, err := AllWorkspaces(ctx, s); return err }},
		{"WorkspaceStateKeyIDs", func() error { _, err := s.WorkspaceStateKeyIDs(ctx); return err }},
	}
}

// WorkspaceStateCalls: see WorkspaceMetadataCalls.
func WorkspaceStateCalls(ctx context.Context, s store.Store, w store.Workspace) []Call {
	return []Call{
		{"GetWorkspaceState", func() error { _, _, err := s.GetWorkspaceState(ctx, w.ID); return err }},
		{"ListWorkspacesByStateKeyID", func() error { _, err := s.ListWorkspacesByStateKeyID(ctx, "k1", 0); return err }},
	}
}

// EveryByte is a ciphertext with every byte value, NUL and invalid UTF-8
// included, twice: a store keeps it as given.
func EveryByte() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}
