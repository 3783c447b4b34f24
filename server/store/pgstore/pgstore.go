// Package pgstore is the production store.Store on PostgreSQL 13+, through
// github.com/jackc/pgx/v5.
//
// Several server processes may share one database. Migrations run under a
// transaction-scoped advisory lock, so concurrent starts apply them once.
// Every write to a user's secrets first locks that user's row (SELECT ...
// FOR NO KEY UPDATE), then checks names and quotas and writes, all in one
// transaction: concurrent writers for one user queue on that lock and can
// never overshoot a quota, whichever process they run in.
//
// The connection URL may hold a password: it never appears in an error.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/migrate"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// migrationLockID is the pg_advisory_xact_lock key that serializes
// migrations across processes ("coder-mg" in ASCII).
const migrationLockID int64 = 0x636f6465722d6d67

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// applied names the migrations Open applied.
	applied []string
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.WorkspaceStore = (*Store)(nil)
)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string), applies the embedded migrations and returns the
// store. Errors never quote url.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors quote the connection string with the password
		// masked on a best-effort basis only; say nothing about it.
		return nil, errors.New("open postgres store: invalid connection URL (not shown: it may hold a password)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// inTx runs fn in a transaction (READ COMMITTED) and commits it if fn
// returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// AppliedMigrations returns the names of the migrations Open applied (none
// when the schema was up to date), for the server's start log.
func (s *Store) AppliedMigrations() []string { return s.applied }

// migrate applies the embedded migrations the database lacks, in one
// transaction holding an advisory lock, and records them in
// schema_migrations.
func (s *Store) migrate(ctx context.Context) error {
	all, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     NOT NULL PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied := map[int]bool{}
		for _, v := range versions {
			applied[int(v)] = true
		}
		pending, err := migrate.Pending(all, applied)
		if err != nil {
			return err
		}
		s.applied = nil
		for _, m := range pending {
			s.applied = append(s.applied, m.Name)
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
				return fmt.Errorf("record migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// uniqueFields maps constraint (or unique index) names to the field they
// protect.
var uniqueFields = map[string]string{
	"users_pkey":                     "id",
	"users_username_key":             "username",
	"users_email_key":                "email",
	"api_keys_pkey":                  "id",
	"secrets_pkey":                   "id",
	"secrets_owner_id_name_key":      "name",
	"secrets_owner_id_env_name_key":  "env_name",
	"secrets_owner_id_file_path_key": "file_path",
	"audit_log_id_key":               "id",

	"templates_pkey":                                 "id",
	"templates_name_key":                             "name",
	"template_versions_pkey":                         "id",
	"template_versions_template_id_number_key":       "number",
	"workspaces_pkey":                                "id",
	"workspaces_owner_id_name_key":                   "name",
	"workspace_builds_pkey":                          "id",
	"workspace_builds_workspace_id_build_number_key": "build",
	"workspace_builds_active_key":                    "build",
	"workspace_agents_pkey":                          "id",
}

// PostgreSQL error codes the store translates.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// mapErr translates driver errors into the store's sentinel errors: no rows
// becomes store.ErrNotFound, a unique violation a *store.ConflictError naming
// the field, and a foreign key violation (a row that refers to a user,
// template, version, workspace, build or agent that does not exist)
// store.ErrNotFound. Other errors pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case codeUniqueViolation:
		if f, ok := uniqueFields[pe.ConstraintName]; ok {
			return &store.ConflictError{Field: f}
		}
		return &store.ConflictError{Field: "unknown"}
	case codeForeignKeyViolation:
		return fmt.Errorf("referenced row: %w", store.ErrNotFound)
	}
	return err
}

// nullString stores "" as NULL (no target).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNilBytes keeps NOT NULL bytea columns happy with an empty value.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nilIfEmpty returns nil for an empty slice, so a stored empty bytea reads
// back as nil.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// requireID refuses the nil UUID, which would otherwise be stored as a
// valid-looking id.
func requireID(id uuid.UUID, what string) error {
	if id == uuid.Nil {
		return fmt.Errorf("%s id is required", what)
	}
	return nil
}

// dbtx is what both *pgxpool.Pool and pgx.Tx offer.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// timePtr returns *t as the store keeps it (UTC, microseconds), or nil.
func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Truncate(time.Microsecond).UTC()
	return &v
}

// utcPtr returns *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}
