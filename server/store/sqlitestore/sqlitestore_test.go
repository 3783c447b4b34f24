package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"modernc.org/sqlite"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/storetest"
)

// open opens a store on a new file in a temporary directory and closes it
// when t ends.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coder.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t)
		return s
	})
}

// addSecret inserts a user and one secret with the given ciphertext.
func addSecret(t *testing.T, s store.Store, ciphertext []byte) store.Secret {
	t.Helper()
	ctx := t.Context()
	u := store.User{ID: uuid.New(), Username: "u" + uuid.NewString()[:8], Email: uuid.NewString() + "@example.com", Role: "member", HashedPassword: []byte("h")}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	sec, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: store.Secret{
		OwnerID: u.ID, Name: "s", EnvName: "S", ValueSize: 5, Ciphertext: ciphertext, KeyID: "k1",
	}})
	if err != nil {
		t.Fatalf("InsertSecret: %v", err)
	}
	return sec
}

func TestFileModes(t *testing.T) {
	// With no umask at all, everything must still be 0600.
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	s, path := open(t)
	addSecret(t, s, []byte("c")) // a write creates the -wal and -shm files
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %v, want -rw-------", filepath.Base(p), got)
		}
	}
}

func TestPragmas(t *testing.T) {
	s, _ := open(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s: got %q, want %q", tt.pragma, got, tt.want)
		}
	}
}

func TestCiphertextStoredAsGiven(t *testing.T) {
	s, _ := open(t)
	ciphertext := make([]byte, 512)
	for i := range ciphertext {
		ciphertext[i] = byte(i) // every byte value, NUL and invalid UTF-8 included
	}
	sec := addSecret(t, s, ciphertext)
	var raw []byte
	var typ string
	if err := s.DB().QueryRowContext(t.Context(),
		`SELECT value_ciphertext, typeof(value_ciphertext) FROM secrets WHERE id = ?`, sec.ID).Scan(&raw, &typ); err != nil {
		t.Fatalf("select ciphertext: %v", err)
	}
	if !bytes.Equal(raw, ciphertext) {
		t.Errorf("got stored ciphertext %x, want %x", raw, ciphertext)
	}
	if typ != "blob" {
		t.Errorf("got column type %q, want blob", typ)
	}
}

// TestMetadataQueriesNeverReadCiphertext installs an SQLite authorizer
// that refuses any read of secrets.value_ciphertext, then runs every
// metadata method: they work, while the *WithValue methods fail.
func TestMetadataQueriesNeverReadCiphertext(t *testing.T) {
	s, _ := open(t)
	sec := addSecret(t, s, []byte("ciphertext"))
	ctx := t.Context()

	denyRead(t, s, "secrets", "value_ciphertext")

	metadata := []struct {
		name string
		call func() error
	}{
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
	for _, m := range metadata {
		if err := m.call(); err != nil {
			t.Errorf("%s read the ciphertext column (or failed): %v", m.name, err)
		}
	}
	withValue := map[string]func() error{
		"ListSecretsWithValues": func() error { _, err := s.ListSecretsWithValues(ctx, sec.OwnerID); return err },
	}
	for name, call := range withValue {
		if err := call(); err == nil || !strings.Contains(err.Error(), "authorization denied") {
			t.Errorf("%s: got %v, want the authorizer to refuse it (is the authorizer installed?)", name, err)
		}
	}
}

// denyRead limits s to one connection and installs on it an SQLite
// authorizer that refuses any read of table.column.
func denyRead(t *testing.T, s *Store, table, column string) {
	t.Helper()
	s.DB().SetMaxOpenConns(1)
	conn, err := s.DB().Conn(t.Context())
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("driver connection %T has no authorizer", dc)
		}
		return r.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, tbl, col, _, _ string) sqlite.AuthorizerReturnCode {
			if action == sqlite.AuthRead && tbl == table && col == column {
				return sqlite.AuthorizerDeny
			}
			return sqlite.AuthorizerOK
		})
	})
	if err != nil {
		t.Fatalf("register authorizer: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("release connection: %v", err)
	}
}

// TestWorkspaceMetadataNeverReadsState refuses any read of
// workspaces.state_ciphertext: the methods that return workspaces without
// their state work, the two that return it fail.
func TestWorkspaceMetadataNeverReadsState(t *testing.T) {
	s, _ := open(t)
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
	denyRead(t, s, "workspaces", "state_ciphertext")

	metadata := []struct {
		name string
		call func() error
	}{
		{"GetWorkspaceByID", func() error { _, err := s.GetWorkspaceByID(ctx, w.ID); return err }},
		{"GetWorkspaceByOwnerAndName", func() error { _, err := s.GetWorkspaceByOwnerAndName(ctx, u.ID, "dev"); return err }},
		{"ListWorkspaces", func() error { _, err := s.ListWorkspaces(ctx, u.ID); return err }},
		{"ListAllWorkspaces", func() error { _, err := storetest.AllWorkspaces(ctx, s); return err }},
		{"WorkspaceStateKeyIDs", func() error { _, err := s.WorkspaceStateKeyIDs(ctx); return err }},
	}
	for _, m := range metadata {
		if err := m.call(); err != nil {
			t.Errorf("%s read the state column (or failed): %v", m.name, err)
		}
	}
	withState := []struct {
		name string
		call func() error
	}{
		{"GetWorkspaceState", func() error { _, _, err := s.GetWorkspaceState(ctx, w.ID); return err }},
		{"ListWorkspacesByStateKeyID", func() error { _, err := s.ListWorkspacesByStateKeyID(ctx, "k1", 0); return err }},
	}
	for _, m := range withState {
		if err := m.call(); err == nil || !strings.Contains(err.Error(), "authorization denied") {
			t.Errorf("%s: got %v, want the authorizer to refuse it (is the authorizer installed?)", m.name, err)
		}
	}
}

func ptr(s string) *string { return &s }

func TestOpenTwiceKeepsDataAndMigrations(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coder.db")
	var first store.Secret
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		if i == 0 {
			first = addSecret(t, s, []byte("c"))
		}
		got, err := s.GetSecret(ctx, first.OwnerID, first.Name)
		if err != nil {
			t.Errorf("Open #%d: GetSecret: %v", i, err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("Open #%d: secret mismatch (-want +got):\n%s", i, diff)
		}
		versions := storetest.AppliedVersions(t, s.DB())
		if diff := cmp.Diff(allVersions(t), versions); diff != "" {
			t.Errorf("Open #%d: goose_db_version mismatch (-want +got):\n%s", i, diff)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coder.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatalf("insert version: %v", err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a database from a newer binary: got success, want an error")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("got error %q, want it to say the schema is newer", err)
	}
}

// allVersions lists the embedded migrations' versions.
func allVersions(t *testing.T) []int64 {
	t.Helper()
	entries, err := migrationFS.ReadDir("migrations")
	if err != nil {
		t.Fatalf("read migrations: %v", err)
	}
	var out []int64
	for i := range entries {
		out = append(out, int64(i+1))
	}
	return out
}

func TestMapErr(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"other", context.Canceled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mapErr(tt.err); got != tt.want {
				t.Errorf("mapErr(%v): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestOpenOddPaths checks that the path reaches SQLite intact: the driver
// takes a URI, where "?", "#" and "%" mean something.
func TestOpenOddPaths(t *testing.T) {
	for _, name := range []string{"with space.db", "what?.db", "hash#.db", "percent%20.db", "ünï.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			addSecret(t, s, []byte("c"))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			entries, err := os.ReadDir(filepath.Dir(path))
			if err != nil {
				t.Fatalf("ReadDir: %v", err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{name}, names); diff != "" {
				t.Errorf("files after Close mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// legacy is how the loader of releases before goose recorded versions.
var legacy = storetest.Legacy{
	CreateTable: `CREATE TABLE schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`,
	Record: `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`,
}

// TestOpenUpgradesLegacyDatabase opens databases that the loader of
// releases before goose migrated, fully or up to 0003 only, with a user and
// a secret in them: Open keeps the data, records the old versions in
// goose's table, drops the old table and applies only what is missing.
func TestOpenUpgradesLegacyDatabase(t *testing.T) {
	for _, upTo := range []int{5, 3} {
		t.Run(fmt.Sprintf("upTo%d", upTo), func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "coder.db")
			db, err := sql.Open("sqlite", dsn(path))
			if err != nil {
				t.Fatal(err)
			}
			storetest.ApplyLegacy(t, db, dialect.Migrations, legacy, upTo)
			at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
			u := store.User{ID: uuid.New(), Username: "old", Email: "old@example.com", Name: "Old", HashedPassword: []byte("h"), Role: "admin", CreatedAt: at, UpdatedAt: at}
			sec := store.Secret{ID: uuid.New(), OwnerID: u.ID, Name: "s", EnvName: "S", ValueSize: 3, Ciphertext: []byte("old"), KeyID: "k0", CreatedAt: at, UpdatedAt: at}
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO users (id, username, email, name, hashed_password, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
					[]any{u.ID, u.Username, u.Email, u.Name, u.HashedPassword, u.Role, at.UnixMicro(), at.UnixMicro()}},
				{`INSERT INTO secrets (id, owner_id, name, description, env_name, file_path, value_ciphertext, value_key_id, value_size, created_at, updated_at) VALUES (?, ?, ?, '', ?, NULL, ?, ?, ?, ?, ?)`,
					[]any{sec.ID, u.ID, sec.Name, sec.EnvName, sec.Ciphertext, sec.KeyID, sec.ValueSize, at.UnixMicro(), at.UnixMicro()}},
			} {
				if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
					t.Fatalf("%s: %v", q.sql, err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			storetest.CheckLegacyUpgrade(t, s, u, sec, upTo, allVersions(t), `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
		})
	}
}
