package pgstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/pgtest"
	"github.com/usersecrets/coder/server/store/storetest"
)

func TestMain(m *testing.M) { pgtest.RunMain(m) }

// open opens a store on a new database and closes it when t ends.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	s, err := Open(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, dbURL
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

func TestCiphertextStoredAsGiven(t *testing.T) {
	s, dbURL := open(t)
	ciphertext := make([]byte, 512)
	for i := range ciphertext {
		ciphertext[i] = byte(i) // every byte value, NUL and invalid UTF-8 included
	}
	sec := addSecret(t, s, ciphertext)
	var raw []byte
	if err := s.DB().QueryRowContext(t.Context(), `SELECT value_ciphertext FROM secrets WHERE id = $1`, sec.ID).Scan(&raw); err != nil {
		t.Fatalf("select ciphertext: %v", err)
	}
	if !bytes.Equal(raw, ciphertext) {
		t.Errorf("got stored ciphertext %x, want %x", raw, ciphertext)
	}
	// And pg_dump shows it as bytea hex, as stored.
	dump := pgtest.PGDump(t, dbURL)
	if !bytes.Contains(dump, []byte(fmt.Sprintf(`\\x%x`, ciphertext))) {
		t.Errorf("got a dump without the ciphertext's hex, want it stored as given")
	}
}

// TestMetadataQueriesNeverReadCiphertext connects as a role that may read
// every column of secrets except value_ciphertext: the metadata methods
// work, the *WithValue methods are refused.
func TestMetadataQueriesNeverReadCiphertext(t *testing.T) {
	s, dbURL := open(t)
	ctx := t.Context()
	sec := addSecret(t, s, []byte("ciphertext"))

	limited := limitedStore(t, s, dbURL, []string{
		`GRANT SELECT, INSERT, UPDATE, DELETE ON users, api_keys, audit_log TO %s`,
		`GRANT SELECT (id, owner_id, name, description, env_name, file_path, value_size, created_at, updated_at, value_key_id) ON secrets TO %s`,
		`GRANT INSERT, DELETE ON secrets TO %s`,
		`GRANT UPDATE (description, env_name, file_path, updated_at) ON secrets TO %s`,
	})

	metadata := []struct {
		name string
		call func() error
	}{
		{"ListSecrets", func() error { _, err := limited.ListSecrets(ctx, sec.OwnerID); return err }},
		{"GetSecret", func() error { _, err := limited.GetSecret(ctx, sec.OwnerID, sec.Name); return err }},
		{"UpdateSecret", func() error {
			d := "d"
			_, err := limited.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: sec.OwnerID, Name: sec.Name, Description: &d})
			return err
		}},
		{"SecretKeyIDs", func() error { _, err := limited.SecretKeyIDs(ctx); return err }},
		{"InsertSecret", func() error {
			_, err := limited.InsertSecret(ctx, store.InsertSecretParams{Secret: store.Secret{
				OwnerID: sec.OwnerID, Name: "other", ValueSize: 1, Ciphertext: []byte("c"), KeyID: "k1",
			}})
			return err
		}},
		{"DeleteSecret", func() error { return limited.DeleteSecret(ctx, sec.OwnerID, "other", sec.OwnerID) }},
	}
	for _, m := range metadata {
		if err := m.call(); err != nil {
			t.Errorf("%s read the ciphertext column (or failed): %v", m.name, err)
		}
	}
	withValue := []struct {
		name string
		call func() error
	}{
		{"ListSecretsWithValues", func() error { _, err := limited.ListSecretsWithValues(ctx, sec.OwnerID); return err }},
	}
	for _, m := range withValue {
		if err := m.call(); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: got %v, want permission denied (are the column grants right?)", m.name, err)
		}
	}
}

func TestOpenTwiceKeepsDataAndMigrations(t *testing.T) {
	ctx := t.Context()
	dbURL := pgtest.NewDatabase(t)
	var first store.Secret
	for i := range 3 {
		s, err := Open(ctx, dbURL)
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
		checkVersions(t, s)
		s.Close()
	}
}

// TestConcurrentOpens opens one new database from many goroutines at once,
// as several server processes starting together would: each Open has its
// own pool, so they meet only in PostgreSQL's advisory lock.
func TestConcurrentOpens(t *testing.T) {
	ctx := t.Context()
	dbURL := pgtest.NewDatabase(t)
	const n = 8
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		stores = make([]*Store, n)
		errs   = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(ctx, dbURL)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if errs[0] == nil {
		checkVersions(t, stores[0])
	}
}

func checkVersions(t *testing.T, s *Store) {
	t.Helper()
	got := storetest.AppliedVersions(t, s.DB())
	entries, err := migrationFS.ReadDir("migrations")
	if err != nil {
		t.Fatalf("read migrations: %v", err)
	}
	var want []int64
	for i := range entries {
		want = append(want, int64(i+1))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("goose_db_version mismatch (-want +got):\n%s", diff)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, dbURL := open(t)
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatalf("insert version: %v", err)
	}
	s2, err := Open(t.Context(), dbURL)
	if err == nil {
		s2.Close()
		t.Fatalf("Open of a database from a newer binary: got success, want an error")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("got error %q, want it to say the schema is newer", err)
	}
}

// TestOpenErrorsHideThePassword checks that no Open error quotes the
// password of the URL it was given.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const password = "Sup3rSecretPassw0rd"
	tests := []struct {
		name string
		url  string
	}{
		{"unparsable URL", "postgres://alice:" + password + "@[::1"},
		{"bad port", "postgres://alice:" + password + "@127.0.0.1:notaport/db"},
		{"nobody listening", "postgres://alice:" + password + "@127.0.0.1:1/db?connect_timeout=5"},
		{"bad option", "postgres://alice:" + password + "@127.0.0.1/db?sslmode=bogus"},
		{"key value", "host=127.0.0.1 port=1 user=alice password=" + password + " connect_timeout=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.url)
			if err == nil {
				s.Close()
				t.Fatalf("Open: got success, want an error")
			}
			t.Logf("Open: %v", err)
			if strings.Contains(err.Error(), password) {
				t.Errorf("got error %q, want one without the password", err)
			}
		})
	}
}

// TestClaimBuildAcrossProcesses claims builds through two stores on one
// database, each with its own connection pool, as two server processes
// would: FOR UPDATE SKIP LOCKED must hand each build to exactly one.
func TestClaimBuildAcrossProcesses(t *testing.T) {
	s1, dbURL := open(t)
	s2, err := Open(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("Open a second store: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	for round := range 3 {
		t.Run(fmt.Sprintf("round%d", round), func(t *testing.T) {
			storetest.ClaimConcurrently(t, []store.Store{s1, s2}, 40, 8)
		})
	}
}

// TestWorkspaceMetadataNeverReadsState connects as a role that may read
// every column of workspaces except state_ciphertext: the methods that
// return workspaces without their state work, the two that return it are
// refused.
func TestWorkspaceMetadataNeverReadsState(t *testing.T) {
	s, dbURL := open(t)
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

	limited := limitedStore(t, s, dbURL, []string{
		`GRANT SELECT, INSERT, UPDATE, DELETE ON users, templates, template_versions, workspace_builds TO %s`,
		`GRANT SELECT (id, name, owner_id, template_id, deleted, created_at, updated_at, state_key_id) ON workspaces TO %s`,
	})
	metadata := []struct {
		name string
		call func() error
	}{
		{"GetWorkspaceByID", func() error { _, err := limited.GetWorkspaceByID(ctx, w.ID); return err }},
		{"GetWorkspaceByOwnerAndName", func() error { _, err := limited.GetWorkspaceByOwnerAndName(ctx, u.ID, "dev"); return err }},
		{"ListWorkspaces", func() error { _, err := limited.ListWorkspaces(ctx, u.ID); return err }},
		{"ListAllWorkspaces", func() error { _, err := storetest.AllWorkspaces(ctx, limited); return err }},
		{"WorkspaceStateKeyIDs", func() error { _, err := limited.WorkspaceStateKeyIDs(ctx); return err }},
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
		{"GetWorkspaceState", func() error { _, _, err := limited.GetWorkspaceState(ctx, w.ID); return err }},
		{"ListWorkspacesByStateKeyID", func() error { _, err := limited.ListWorkspacesByStateKeyID(ctx, "k1", 0); return err }},
	}
	for _, m := range withState {
		if err := m.call(); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: got %v, want permission denied (are the column grants right?)", m.name, err)
		}
	}
}

// limitedStore returns a store that connects as a new role holding only
// the grants (each with %s for the role), dropped when t ends.
func limitedStore(t *testing.T, s *Store, dbURL string, grants []string) *Store {
	t.Helper()
	ctx := t.Context()
	role := "limited_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	password := uuid.NewString()
	ident := pgx.Identifier{role}.Sanitize()
	grants = append([]string{`CREATE ROLE %s LOGIN PASSWORD '` + password + `'`, `GRANT SELECT ON goose_db_version TO %s`}, grants...)
	for _, q := range grants {
		if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(q, ident)); err != nil {
			t.Fatalf("set up role: %v", err)
		}
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse url: %v", err)
	}
	u.User = url.UserPassword(role, password)
	limited, err := Open(ctx, u.String()) // finds the schema migrated: needs no CREATE
	if err != nil {
		t.Fatalf("open as %s: %v", role, err)
	}
	t.Cleanup(func() {
		limited.Close()
		// Roles belong to the cluster, not the database: drop this one.
		ctx := context.Background()
		if _, err := s.DB().ExecContext(ctx, `DROP OWNED BY `+ident); err != nil {
			t.Errorf("drop owned by role: %v", err)
		}
		if _, err := s.DB().ExecContext(ctx, `DROP ROLE `+ident); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	return limited
}

// legacy is how the loader of releases before goose recorded versions.
var legacy = storetest.Legacy{
	CreateTable: `CREATE TABLE schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
	Record: `INSERT INTO schema_migrations (version) VALUES ($1)`,
}

// TestOpenUpgradesLegacyDatabase opens databases that the loader of
// releases before goose migrated, fully or up to 0003 only, with a user and
// a secret in them: Open keeps the data, records the old versions in
// goose's table, drops the old table and applies only what is missing.
func TestOpenUpgradesLegacyDatabase(t *testing.T) {
	for _, upTo := range []int{5, 3} {
		t.Run(fmt.Sprintf("upTo%d", upTo), func(t *testing.T) {
			ctx := t.Context()
			dbURL := pgtest.NewDatabase(t)
			db, err := sql.Open("pgx", dbURL)
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
				{`INSERT INTO users (id, username, email, name, hashed_password, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
					[]any{u.ID, u.Username, u.Email, u.Name, u.HashedPassword, u.Role, at}},
				{`INSERT INTO secrets (id, owner_id, name, description, env_name, file_path, value_ciphertext, value_key_id, value_size, created_at, updated_at) VALUES ($1, $2, $3, '', $4, NULL, $5, $6, $7, $8, $8)`,
					[]any{sec.ID, u.ID, sec.Name, sec.EnvName, sec.Ciphertext, sec.KeyID, sec.ValueSize, at}},
			} {
				if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
					t.Fatalf("%s: %v", q.sql, err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			s, err := Open(ctx, dbURL)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			storetest.CheckLegacyUpgrade(t, s, u, sec, upTo, allVersions(t), `SELECT 1 WHERE to_regclass($1) IS NOT NULL`)
		})
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
