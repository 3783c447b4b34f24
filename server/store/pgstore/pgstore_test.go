package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/pgtest"
	"github.com/usersecrets/coder/server/store/storetest"
)

func TestMain(m *testing.M) { pgtest.RunMain(m) }

// open opens a store on a new database and closes it when t ends.
func open(t *testing.T) (*Store, string) {
	dbURL := pgtest.NewDatabase(t)
	return storetest.Opened(t, dbURL, Open), dbURL
}

func TestBackend(t *testing.T) {
	migrations, err := fs.Sub(dialect.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunBackend(t, storetest.Backend{
		NewDatabase: func(t *testing.T) string { return pgtest.NewDatabase(t) },
		Open:        func(ctx context.Context, url string) (store.Store, error) { return Open(ctx, url) },
		Driver:      "pgx",
		DSN:         func(url string) string { return url },
		Migrations:  migrations,
		Legacy: storetest.Legacy{
			CreateTable: `CREATE TABLE schema_migrations (
				version    integer     NOT NULL PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`,
			Record: `INSERT INTO schema_migrations (version) VALUES ($1)`,
		},
		Time:        func(t time.Time) any { return t },
		TableExists: `SELECT 1 WHERE to_regclass($1) IS NOT NULL`,
	})
}

func TestCiphertextStoredAsGiven(t *testing.T) {
	s, dbURL := open(t)
	ciphertext := storetest.EveryByte()
	sec := storetest.AddSecret(t, s, ciphertext)
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
	sec := storetest.AddSecret(t, s, []byte("ciphertext"))

	limited := limitedStore(t, s, dbURL, []string{
		`GRANT SELECT, INSERT, UPDATE, DELETE ON users, api_keys, audit_log TO %s`,
		`GRANT SELECT (id, owner_id, name, description, env_name, file_path, value_size, created_at, updated_at, enabled, value_key_id, value_rev, templates, refresh) ON secrets TO %s`,
		`GRANT INSERT, DELETE ON secrets TO %s`,
		`GRANT UPDATE (description, env_name, file_path, updated_at, enabled, templates, refresh) ON secrets TO %s`,
	})

	storetest.CheckReads(t, storetest.SecretMetadataCalls(ctx, limited, sec), storetest.SecretValueCalls(ctx, limited, sec), "permission denied")
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
		names, _ := fs.Glob(dialect.Migrations, "migrations/*.up.sql")
		// Versions may have gaps (see storetest): the last applied is the
		// highest file's.
		var last int64
		if len(names) > 0 {
			fmt.Sscanf(path.Base(names[len(names)-1]), "%04d_", &last)
		}
		if got := storetest.AppliedVersions(t, stores[0].DB()); len(got) != len(names) || got[len(got)-1] != last {
			t.Errorf("goose_db_version: got %v, want the %d migrations up to %d", got, len(names), last)
		}
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
	w, _ := storetest.WorkspaceWithState(t, s)
	limited := limitedStore(t, s, dbURL, []string{
		`GRANT SELECT, INSERT, UPDATE, DELETE ON users, templates, template_versions, workspace_builds TO %s`,
		`GRANT SELECT (id, name, owner_id, template_id, deleted, created_at, updated_at, state_key_id, secret_refresh) ON workspaces TO %s`,
	})
	ctx := t.Context()
	storetest.CheckReads(t, storetest.WorkspaceMetadataCalls(ctx, limited, w), storetest.WorkspaceStateCalls(ctx, limited, w), "permission denied")
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

// TestConflictField checks the field named for each unique constraint and
// index of the schema.
func TestConflictField(t *testing.T) {
	for _, tt := range []struct{ table, constraint, want string }{
		{"users", "users_pkey", "id"},
		{"users", "users_username_key", "username"},
		{"users", "users_email_key", "email"},
		{"api_keys", "api_keys_pkey", "id"},
		{"secrets", "secrets_pkey", "id"},
		{"secrets", "secrets_owner_id_name_key", "name"},
		{"secrets", "secrets_owner_id_env_name_key", "env_name"},
		{"secrets", "secrets_owner_id_file_path_key", "file_path"},
		{"audit_log", "audit_log_id_key", "id"},
		{"templates", "templates_pkey", "id"},
		{"templates", "templates_name_key", "name"},
		{"template_versions", "template_versions_pkey", "id"},
		{"template_versions", "template_versions_template_id_number_key", "number"},
		{"workspaces", "workspaces_pkey", "id"},
		{"workspaces", "workspaces_owner_id_name_key", "name"},
		{"workspace_builds", "workspace_builds_pkey", "id"},
		{"workspace_builds", "workspace_builds_workspace_id_build_number_key", "build"},
		{"workspace_builds", "workspace_builds_active_key", "build"},
		{"workspace_agents", "workspace_agents_pkey", "id"},
	} {
		if got := conflictField(&pgconn.PgError{TableName: tt.table, ConstraintName: tt.constraint}); got != tt.want {
			t.Errorf("conflictField(%s): got %q, want %q", tt.constraint, got, tt.want)
		}
	}
}
