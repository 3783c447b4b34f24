// Package pgstore is the production store on PostgreSQL 13+: sqlstore on
// a github.com/jackc/pgx/v5 pool, with the PostgreSQL dialect and
// migrations. Several server processes may share one database: migrations
// run under a session advisory lock, a write to a user's secrets locks the
// user's row (FOR NO KEY UPDATE), builds are claimed with FOR UPDATE SKIP
// LOCKED.
//
// The connection URL may hold a password: it never appears in an error.
package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/sqlstore"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// migrationLockID is the advisory lock key that serializes migrations
// across processes ("coder-mg" in ASCII).
const migrationLockID int64 = 0x636f6465722d6d67

// Store is the store on a PostgreSQL database.
type Store = sqlstore.Store

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, pool_* settings included), applies the embedded
// migrations and returns the store. Errors never quote url.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors quote the connection string with the password
		// masked on a best-effort basis only; say nothing about it.
		return nil, errors.New("open postgres store: invalid connection URL (not shown: it may hold a password)")
	}
	sizePool(cfg, url)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	// Queries go to the pool itself; goose and tests take database/sql.
	s, err := sqlstore.Open(ctx, stdlib.OpenDBFromPool(pool), pgDB{pgQuerier{pool}, pool}, dialect)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

var dialect = &sqlstore.Dialect{
	Goose:         goose.DialectPostgres,
	Migrations:    migrationFS,
	Locker:        advisoryLock{},
	MigrationLock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLockID),
	TableExists:   `SELECT 1 WHERE to_regclass(?) IS NOT NULL`,

	RowLock:    ` FOR NO KEY UPDATE`,
	SkipLocked: ` FOR UPDATE SKIP LOCKED`,
	LockUsers:  `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`,
	Arg:        func(v any) any { return v }, // pgx encodes times and text[] itself
	Err:        mapErr,
}

// advisoryLock holds the session advisory lock migrationLockID while goose
// migrates: another process waits (or its ctx ends), then finds them applied.
type advisoryLock struct{}

func (advisoryLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID)
	return err
}

func (advisoryLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockID)
	return err
}

// conflictField names the field a unique constraint (or unique index)
// protects, from PostgreSQL's default names: <table>_pkey protects the id,
// <table>_[owner_id_|template_id_]<field>_key the field, and a build's
// constraints (its number, one active build per workspace) the build.
func conflictField(pe *pgconn.PgError) string {
	switch {
	case strings.HasSuffix(pe.ConstraintName, "_pkey"):
		return "id"
	case pe.TableName == "workspace_builds":
		return "build"
	}
	f := strings.TrimSuffix(strings.TrimPrefix(pe.ConstraintName, pe.TableName+"_"), "_key")
	return strings.TrimPrefix(strings.TrimPrefix(f, "owner_id_"), "template_id_")
}

// mapErr is the dialect's Err (see sqlstore.Dialect).
func mapErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &store.ConflictError{Field: conflictField(pe)}
	case "23503": // foreign_key_violation
		return fmt.Errorf("referenced row: %w", store.ErrNotFound)
	}
	return err
}

// pgConn is what *pgxpool.Pool and pgx.Tx both offer.
type pgConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgQuerier is a pgConn as a sqlstore.Querier.
type pgQuerier struct{ q pgConn }

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return q.q.Query(ctx, query, args...)
}

func (q pgQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.q.QueryRow(ctx, query, args...)
}

// pgDB is the pool as a sqlstore.DB; Close closes the pool.
type pgDB struct {
	pgQuerier
	pool *pgxpool.Pool
}

func (d pgDB) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return pgTx{pgQuerier{tx}, tx}, nil
}

// PoolStats reports pgx's pool in database/sql's terms (the server's
// metrics): open, in use and idle connections, the configured maximum,
// and the waits for a connection.
func (d pgDB) PoolStats() sql.DBStats {
	st := d.pool.Stat()
	return sql.DBStats{
		MaxOpenConnections: int(st.MaxConns()),
		OpenConnections:    int(st.TotalConns()),
		InUse:              int(st.AcquiredConns()),
		Idle:               int(st.IdleConns()),
		WaitCount:          st.EmptyAcquireCount(),
		WaitDuration:       st.EmptyAcquireWaitTime(),
	}
}

func (d pgDB) Close() error {
	d.pool.Close()
	return nil
}

type pgTx struct {
	pgQuerier
	tx pgx.Tx
}

func (t pgTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t pgTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
