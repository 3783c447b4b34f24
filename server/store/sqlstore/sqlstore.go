// Package sqlstore is the one implementation of store.Store, written once
// in SQL that both supported databases run. What differs between them is a
// Dialect: how parameters are numbered, how a transaction locks the rows it
// reads, how times are encoded, how driver errors map to the store's
// errors. sqlitestore and pgstore each hold one Dialect, their migrations
// and their Open.
//
// Every write runs in one transaction. A write to a user's secrets first
// locks that user's row (the Dialect's RowLock), then checks names and
// quotas and writes: concurrent writers for one user queue on that lock and
// can never overshoot a quota, whichever process they run in. Where one
// writer holds the whole database (SQLite), writes also queue in the
// process, so that they wait on a channel, honouring ctx, instead of in the
// database's busy handler.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/usersecrets/coder/server/store"
)

// Dialect is what the SQL of one database needs that the other's does not.
type Dialect struct {
	// Goose is goose's name for the database; Migrations holds the numbered
	// NNNN_name.up.sql files at its root.
	Goose      goose.Dialect
	Migrations fs.FS
	// Locker serializes migrations across processes; nil when a write
	// transaction already excludes every other writer.
	Locker lock.SessionLocker
	// MigrationLock, if set, is run first in the transaction that adopts
	// the versions recorded by the migration loader of older releases.
	MigrationLock string
	// TableExists selects a row if the table named by its one parameter
	// exists.
	TableExists string

	// RowLock, appended to a SELECT in a transaction, locks the rows it
	// reads until the transaction ends; "" where a write transaction
	// already excludes every other writer.
	RowLock string
	// SkipLocked, appended to the SELECT that picks the builds to claim or
	// fail, locks them and skips the rows other transactions hold.
	SkipLocked string
	// LockUsers, if set, is run before InsertFirstUser counts the users,
	// so that concurrent first users cannot both see none.
	LockUsers string
	// OneWriter: the database has one writer at a time. Writes queue in
	// the process, single statements too.
	OneWriter bool

	// Arg turns a parameter into what the driver stores: time.Time,
	// *time.Time and []string (the audit log's field names). Other values
	// pass unchanged.
	Arg func(v any) any
	// Err translates a driver error into store.ErrNotFound (a foreign key
	// violation) or a *store.ConflictError (a unique violation); other
	// errors it returns as they are.
	Err func(err error) error
}

// DB is how the store reaches its database: database/sql for SQLite
// (SQLDB), pgx's own pool for PostgreSQL, which spares every query
// database/sql's conversions.
type DB interface {
	Querier
	// Begin starts a transaction: a write transaction when the Dialect has
	// OneWriter (the SQLite DSN makes it BEGIN IMMEDIATE).
	Begin(ctx context.Context) (Tx, error)
}

// Querier runs statements on a database or in a transaction. Exec returns
// how many rows the statement changed.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Tx is a transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Rows are a query's rows; Row is the first row of one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the first row of a query; Scan returns sql.ErrNoRows (or an error
// that wraps it) when there is none.
type Row interface{ Scan(dest ...any) error }

// Store is a store.Store on one database.
type Store struct {
	db DB
	// sqlDB is the database through database/sql, for goose and for DB.
	sqlDB *sql.DB
	d     *Dialect
	// writeSem admits one write at a time when d.OneWriter.
	writeSem chan struct{}
	// applied names the migrations Open applied.
	applied []string
	// queries caches the queries rewritten for numbered parameters.
	queries sync.Map
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.WorkspaceStore = (*Store)(nil)
)

// Open returns a store on db, whose schema it migrates first through
// sqlDB, the same database through database/sql. Close closes sqlDB, then
// db if it is an io.Closer. On error Open closes nothing.
func Open(ctx context.Context, sqlDB *sql.DB, db DB, d *Dialect) (*Store, error) {
	s := &Store{db: db, sqlDB: sqlDB, d: d, writeSem: make(chan struct{}, 1)}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	if c, ok := s.db.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

// Ping checks that the database answers a query on the migrated schema
// (the server's readiness).
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return s.db.QueryRow(ctx, "SELECT COUNT(*) FROM "+versionTable).Scan(&n)
}

// DBStats returns the connection pool's statistics (the server's metrics):
// database/sql's pool on SQLite, pgx's pool on PostgreSQL (see PoolStats).
func (s *Store) DBStats() sql.DBStats {
	if p, ok := s.db.(interface{ PoolStats() sql.DBStats }); ok {
		return p.PoolStats()
	}
	return s.sqlDB.Stats()
}

// DB returns the database, for tests that look at what the store does not
// show.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// AppliedMigrations returns the names of the migrations Open applied (none
// when the schema was up to date), for the server's start log.
func (s *Store) AppliedMigrations() []string { return s.applied }

// conn runs the store's queries on a database or a transaction, with the
// dialect's parameters.
type conn struct {
	s *Store
	q Querier
}

// exec runs query and returns how many rows it changed.
func (c conn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	n, err := c.q.Exec(ctx, c.s.sql(query), c.s.args(args)...)
	return n, c.s.mapErr(err)
}

func (c conn) query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := c.q.Query(ctx, c.s.sql(query), c.s.args(args)...)
	return rows, c.s.mapErr(err)
}

// row runs a query that returns at most one row and scans it into dest;
// no row is store.ErrNotFound.
func (c conn) row(ctx context.Context, dest []any, query string, args ...any) error {
	return c.s.mapErr(c.q.QueryRow(ctx, c.s.sql(query), c.s.args(args)...).Scan(dest...))
}

// exists returns store.ErrNotFound unless query selects a row.
func (c conn) exists(ctx context.Context, query string, args ...any) error {
	var one int
	return c.row(ctx, []any{&one}, query, args...)
}

// read is the connection for queries outside a transaction.
func (s *Store) read() conn { return conn{s, s.db} }

// write runs fn in a write transaction and commits it if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(c conn) error) error {
	if s.d.OneWriter {
		select {
		case s.writeSem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.writeSem }()
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(conn{s, tx}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", s.mapErr(err))
	}
	return nil
}

// writeOne runs fn, which writes with one statement: in a write
// transaction where writes queue (fn then waits its turn), else directly.
func (s *Store) writeOne(ctx context.Context, fn func(c conn) error) error {
	if s.d.OneWriter {
		return s.write(ctx, fn)
	}
	return fn(s.read())
}

// sql returns query with numbered parameters, which both databases take:
// each ? becomes $1, $2, ... The store's queries hold no ? but parameters.
func (s *Store) sql(query string) string {
	if q, ok := s.queries.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	q := b.String()
	s.queries.Store(query, q)
	return q
}

func (s *Store) args(args []any) []any {
	for i, a := range args {
		args[i] = s.d.Arg(a)
	}
	return args
}

// mapErr translates driver errors into the store's sentinel errors: no rows
// becomes store.ErrNotFound, the rest is the dialect's.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return s.d.Err(err)
}

// noLimit is the LIMIT that means none.
func limitArg(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt64
	}
	return int64(limit)
}

// timeCol scans a time column, stored either as a timestamp or as INTEGER
// microseconds since the Unix epoch, into a UTC time. It is also a pgx
// TimestamptzScanner, which pgx fills without boxing the time in an any.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*c.t = v.UTC()
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		return errors.New("scan time: unexpected NULL")
	}
	*c.t = v.Time.UTC()
	return nil
}

// nullTimeCol scans a nullable time column; NULL is nil.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

func (c nullTimeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*c.t = nil
		return nil
	}
	t := v.Time.UTC()
	*c.t = &t
	return nil
}

// nullString stores "" as NULL (no target).
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// str reads a NULL text column, scanned into p, as "".
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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

// qualify prefixes each column of the comma-separated list cols with
// table, for queries that join.
func qualify(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// queryAll runs query outside a transaction and scans every row with scan.
func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.read().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scan)
	return out, s.mapErr(err)
}

// collect scans every row of rows with scan.
func collect[T any](rows Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

// wrap prefixes *err, if set, with what failed.
func wrap(err *error, what string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", what, *err)
	}
}

// fail, deferred on a method's named results, prefixes *err, if set, with
// what failed, and makes the method return the zero value with it.
func fail[T any](ret *T, err *error, what string) {
	if *err != nil {
		var zero T
		*ret, *err = zero, fmt.Errorf("%s: %w", what, *err)
	}
}
