package storetest

import (
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/server/store"
)

// Legacy describes how the migration loader of older releases recorded
// its versions, so that a test can build the database an old release left.
type Legacy struct {
	// CreateTable creates its schema_migrations table; Record inserts one
	// version (its one parameter).
	CreateTable, Record string
}

// applyLegacy migrates db as the loader of older releases did: the files
// NNNN_*.up.sql of fsys (at its root) up to version upTo, in order, in one
// transaction that also creates schema_migrations and records each
// version. It returns the names of the files it applied.
func applyLegacy(t testing.TB, db *sql.DB, fsys fs.FS, l Legacy, upTo int) []string {
	t.Helper()
	names, err := fs.Glob(fsys, "*.up.sql")
	if err != nil {
		t.Fatalf("list migrations: %v", err)
	}
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(t.Context(), l.CreateTable); err != nil {
		t.Fatalf("create schema_migrations: %v", err)
	}
	var applied []string
	for _, name := range names { // fs.Glob sorts: 0001 before 0002
		num, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if v > upTo {
			break
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		// The file's goose annotations are SQL comments: the statements are
		// those the old loader ran.
		if _, err := tx.ExecContext(t.Context(), string(b)); err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
		if _, err := tx.ExecContext(t.Context(), l.Record, v); err != nil {
			t.Fatalf("record %s: %v", name, err)
		}
		applied = append(applied, name)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return applied
}

// tableExists reports whether db has the table name, with query (the
// dialect's: one parameter, the name; a row if it exists).
func tableExists(t testing.TB, db *sql.DB, query, name string) bool {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query, name)
	if err != nil {
		t.Fatalf("table %s exists: %v", name, err)
	}
	defer rows.Close()
	return rows.Next()
}

// checkLegacyUpgrade checks a store just opened on a database that the
// loader of older releases migrated up to version upTo and that held user
// u and secret sec: both read back as they were, goose's table records
// every version in all, the old table is gone, and the store applied
// exactly the versions after upTo.
func checkLegacyUpgrade(t *testing.T, s store.Store, u store.User, sec store.Secret, upTo int, all []int64, existsQuery string) {
	t.Helper()
	ctx := t.Context()
	db, err := dbOf(s)
	if err != nil {
		t.Fatal(err)
	}
	gotU, err := s.GetUserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUserByID: %v", err)
	}
	if diff := cmp.Diff(u, gotU); diff != "" {
		t.Errorf("user mismatch (-want +got):\n%s", diff)
	}
	gotS, err := SecretWithValue(ctx, s, sec.OwnerID, sec.Name)
	if err != nil {
		t.Fatalf("SecretWithValue: %v", err)
	}
	if diff := cmp.Diff(sec, gotS); diff != "" {
		t.Errorf("secret mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, AppliedVersions(t, db)); diff != "" {
		t.Errorf("goose_db_version mismatch (-want +got):\n%s", diff)
	}
	if tableExists(t, db, existsQuery, "schema_migrations") {
		t.Errorf("schema_migrations is still there, want it dropped")
	}
	var want []string
	for _, v := range all[upTo:] {
		want = append(want, fmt.Sprintf("%04d", v))
	}
	var got []string
	if m, ok := s.(interface{ AppliedMigrations() []string }); ok {
		for _, name := range m.AppliedMigrations() {
			num, _, _ := strings.Cut(name, "_")
			got = append(got, num)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("applied migrations mismatch (-want +got):\n%s", diff)
	}
	// The store works on the upgraded schema.
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: sec.OwnerID, Name: sec.Name, Ciphertext: []byte("new"), KeyID: "k1", ValueSize: 3}); err != nil {
		t.Errorf("UpdateSecret after the upgrade: %v", err)
	}
}
