// Package sqlitestore is the embedded default store.Store: one SQLite file
// in the server's data directory, through the pure-Go modernc.org/sqlite
// driver.
//
// One server process owns a file. The database runs in WAL mode with foreign
// keys on; every write runs in a BEGIN IMMEDIATE transaction, and writes
// inside the process are also queued on a semaphore, so the quota checks and
// the write they guard are atomic and writers never spin on SQLITE_BUSY.
// The file and its -wal and -shm companions are created with mode 0600.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/migrate"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for another one's lock (for
// instance a reader checkpointing the WAL) before SQLite gives up.
const busyTimeout = 10 * time.Second

// Store is a store.Store on one SQLite file.
type Store struct {
	db *sql.DB
	// writeSem admits one write transaction at a time. BEGIN IMMEDIATE
	// already serializes writers; queuing them here as well means they wait
	// on a channel (and honour ctx) instead of in SQLite's busy handler.
	writeSem chan struct{}
	// applied names the migrations Open applied.
	applied []string
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.WorkspaceStore = (*Store)(nil)
)

// Open opens (creating it if needed, with mode 0600) the SQLite database at
// path, applies the embedded migrations and returns the store. Only one
// process may use a file at a time.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	// Create the file ourselves so it starts out 0600 whatever the umask.
	// SQLite gives the -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	s := &Store{db: db, writeSem: make(chan struct{}, 1)}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	return s, nil
}

// dsn builds the driver's connection string for the file at abs: a file: URI
// (so any byte in the path is escaped) with the settings every connection
// needs.
func dsn(abs string) string {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close sqlite store: %w", err)
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE, through the DSN's
// _txlock) and commits it if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.writeSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeSem }()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// AppliedMigrations returns the names of the migrations Open applied (none
// when the schema was up to date), for the server's start log.
func (s *Store) AppliedMigrations() []string { return s.applied }

// migrate applies the embedded migrations that the database lacks, all in
// one transaction, and records them in schema_migrations.
func (s *Store) migrate(ctx context.Context) error {
	all, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied := map[int]bool{}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			applied[v] = true
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		pending, err := migrate.Pending(all, applied)
		if err != nil {
			return err
		}
		s.applied = nil
		for _, m := range pending {
			s.applied = append(s.applied, m.Name)
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, time.Now().UnixMicro()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// uniqueFields maps what SQLite names in a UNIQUE or PRIMARY KEY violation
// ("UNIQUE constraint failed: secrets.owner_id, secrets.name", or "index
// 'users_username_key'" for an expression index) to the field it protects.
// Longer, more specific entries come first.
var uniqueFields = []struct{ match, field string }{
	{"secrets.owner_id, secrets.name", "name"},
	{"secrets.owner_id, secrets.env_name", "env_name"},
	{"secrets.owner_id, secrets.file_path", "file_path"},
	{"workspaces.owner_id, workspaces.name", "name"},
	{"workspace_builds.workspace_id, workspace_builds.build_number", "build"},
	{"workspace_builds.workspace_id", "build"}, // workspace_builds_active_key
	{"template_versions.template_id, template_versions.number", "number"},
	{"templates.name", "name"},
	{"users_username_key", "username"},
	{"users_email_key", "email"},
	{"users.id", "id"},
	{"secrets.id", "id"},
	{"api_keys.id", "id"},
	{"audit_log.id", "id"},
	{"templates.id", "id"},
	{"template_versions.id", "id"},
	{"workspaces.id", "id"},
	{"workspace_builds.id", "id"},
	{"workspace_agents.id", "id"},
}

// mapErr translates driver errors into the store's sentinel errors: no rows
// becomes store.ErrNotFound, a unique violation a *store.ConflictError naming
// the field, and a foreign key violation (a row that refers to a user,
// template, version, workspace, build or agent that does not exist)
// store.ErrNotFound. Other errors pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := se.Error()
		for _, u := range uniqueFields {
			if strings.Contains(msg, u.match) {
				return &store.ConflictError{Field: u.field}
			}
		}
		return &store.ConflictError{Field: "unknown"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("referenced row: %w", store.ErrNotFound)
	}
	return err
}

// Times are INTEGER microseconds since the Unix epoch.
func toMicros(t time.Time) int64    { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullString stores "" as NULL (no target).
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nonNilBytes keeps NOT NULL BLOB columns happy with an empty value.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nilIfEmpty returns nil for an empty slice, so a stored empty BLOB reads
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

// timePtr returns *t as the store keeps it (UTC, microseconds), or nil.
func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Truncate(time.Microsecond).UTC()
	return &v
}

// microsPtr stores a nil time as NULL.
func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return toMicros(*t)
}

// fromNullMicros reads a NULL time as nil.
func fromNullMicros(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := fromMicros(us.Int64)
	return &t
}

// qualify prefixes each column of the comma-separated list cols with
// table, for queries that join.
func qualify(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
