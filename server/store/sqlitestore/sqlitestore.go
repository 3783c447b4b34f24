// Package sqlitestore is the embedded default store: sqlstore on one SQLite
// file in the server's data directory, through the pure-Go
// modernc.org/sqlite driver, with the SQLite dialect and migrations. One
// server process owns a file (the server locks its data directory), in WAL
// mode with foreign keys on; every write runs in a BEGIN IMMEDIATE
// transaction. Times are INTEGER microseconds since the Unix epoch. The
// file and its -wal and -shm companions are created with mode 0600.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/sqlstore"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for another one's lock (for
// instance a reader checkpointing the WAL) before SQLite gives up.
const busyTimeout = 10 * time.Second

// Store is the store on a SQLite file.
type Store = sqlstore.Store

// Open opens (creating it if needed, with mode 0600) the SQLite database at
// path and applies the embedded migrations. One process uses a file.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	// Create the file ourselves so it starts out 0600 whatever the umask.
	// SQLite gives the -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	capPool(db)
	s, err := sqlstore.Open(ctx, db, sqlstore.GatedSQLDB(db, maxConns()), dialect)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	return s, nil
}

// dsn is the connection string for the file at abs: a file: URI (any byte
// of the path escaped) with the settings every connection needs. With
// _txlock=immediate a transaction takes the write lock at once, so it never
// fails half-way on a lock another one holds.
func dsn(abs string) string {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

var dialect = &sqlstore.Dialect{
	Goose:       goose.DialectSQLite3,
	Migrations:  migrationFS,
	TableExists: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`,
	// A write transaction holds the database's one write lock: rows need
	// no locks of their own, and migrations none but that.
	OneWriter: true,
	Arg:       arg,
	Err:       mapErr,
}

// arg stores times as INTEGER microseconds (a nil time as NULL) and the
// audit log's field names as a JSON array.
func arg(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UnixMicro()
	case *time.Time:
		if v == nil {
			return nil
		}
		return v.UnixMicro()
	case []string:
		b, _ := json.Marshal(v) // a []string always marshals
		return string(b)
	}
	return v
}

// uniqueFields maps what SQLite names in a UNIQUE violation ("UNIQUE
// constraint failed: secrets.owner_id, secrets.name", or "index
// 'users_username_key'" for an expression index) to the field it protects.
// Longer, more specific entries come first. A PRIMARY KEY protects the id.
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
	{"audit_log.id", "id"},
}

// mapErr is the dialect's Err (see sqlstore.Dialect).
func mapErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &store.ConflictError{Field: "id"}
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
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
