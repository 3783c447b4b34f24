// Package sqlstore is the one implementation of store.Store, written once
// in SQL that both supported databases run. What differs between them is a
// Dialect: how parameters are numbered, how a transaction locks the rows it
// reads, how times are encoded, how driver errors map to the store's
// errors. sqlitestore and pgstore each hold one Dialect, their migrations
// and their Open. Each method's contract is documented on store.Store; the
// comments here say how it is kept.
//
// Every write runs in one transaction. A write to a user's secrets first
// locks that user's row (RowLock), then checks names and quotas: writers
// for one user, in any process, queue on that lock and never overshoot a
// quota. Where one writer holds the whole database (SQLite), writes also
// queue in the process, on a channel that honours ctx, not in the
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
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/usersecrets/coder/server/store"
)

// Dialect is what the SQL of one database needs that the other's does not.
type Dialect struct {
	// Goose is goose's name for the database; Migrations holds the numbered
	// NNNN_name.up.sql files in its folder "migrations".
	Goose      goose.Dialect
	Migrations fs.FS
	// Locker serializes migrations across processes; nil when a write
	// transaction excludes every other writer (so for RowLock "").
	Locker lock.SessionLocker
	// MigrationLock, if set, is run first in the transaction that adopts
	// the versions recorded by the migration loader of older releases.
	MigrationLock string
	// TableExists selects a row if the table named by its parameter exists.
	TableExists string

	// RowLock, appended to a SELECT in a transaction, locks the rows it
	// reads until the transaction ends.
	RowLock string
	// SkipLocked, appended to the SELECT that picks the builds to claim or
	// fail, locks them and skips the rows other transactions hold.
	SkipLocked string
	// LockUsers, if set, is run before InsertFirstUser counts the users,
	// so that concurrent first users cannot both see none.
	LockUsers string
	// OneWriter: one writer at a time; writes, single statements too,
	// queue in the process.
	OneWriter bool

	// Arg turns a time.Time, *time.Time or []string (the audit log's field
	// names) into what the driver stores; other values pass unchanged.
	Arg func(v any) any
	// Err translates a foreign key violation into store.ErrNotFound, a
	// unique one into a *store.ConflictError; other errors pass unchanged.
	Err func(err error) error
}

// DB is how the store reaches its database: database/sql for SQLite
// (SQLDB), pgx's own pool for PostgreSQL (no database/sql conversions).
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

// Rows are a query's rows.
type Rows interface {
	Row
	Next() bool
	Err() error
	Close()
}

// Row is a row to scan: one of Rows, or the first row of a query, whose
// Scan returns sql.ErrNoRows (or an error that wraps it) when there is none.
type Row interface{ Scan(dest ...any) error }

// SQLDB is db as a DB.
func SQLDB(db *sql.DB) DB { return sqlDB{sqlQuerier{db}, db} }

// sqlConn is what *sql.DB and *sql.Tx both offer.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlQuerier struct{ q sqlConn }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return q.q.QueryRowContext(ctx, query, args...)
}

type sqlDB struct {
	sqlQuerier
	db *sql.DB
}

func (d sqlDB) Begin(ctx context.Context) (Tx, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqlTx{sqlQuerier{tx}, tx}, nil
}

type sqlTx struct {
	sqlQuerier
	tx *sql.Tx
}

func (t sqlTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t sqlTx) Rollback(context.Context) error { return t.tx.Rollback() }

// sqlRows closes without an error: Err reports the rows' errors.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// Store is a store.Store on one database.
type Store struct {
	db       DB
	sqlDB    *sql.DB // the database through database/sql, for goose and for DB
	d        *Dialect
	writeSem chan struct{} // admits one write at a time when d.OneWriter
	applied  []string      // the migrations Open applied
	queries  sync.Map      // the queries rewritten for numbered parameters
	local    localPeers    // JoinPeers's servers where db cannot link processes
}

var _ store.Store = (*Store)(nil)

// Open returns a store on db, whose schema it migrates first through
// sqlDB, the same database through database/sql, once it answers. Close
// closes sqlDB, then db if it is an io.Closer; so does Open on error.
func Open(ctx context.Context, sqlDB *sql.DB, db DB, d *Dialect) (*Store, error) {
	s := &Store{db: db, sqlDB: sqlDB, d: d, writeSem: make(chan struct{}, 1)}
	err := sqlDB.PingContext(ctx)
	if err == nil {
		err = s.migrate(ctx)
	}
	if err != nil {
		_ = s.Close()
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

// DB returns the database, for tests that look below the store.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// AppliedMigrations names the migrations Open applied, for the start log.
func (s *Store) AppliedMigrations() []string { return s.applied }

// conn runs the store's queries on a database or in a transaction.
type conn struct {
	s *Store
	q Querier
}

func (c conn) exec(ctx context.Context, query string, args ...any) (n int64, err error) {
	query, args = c.s.sql(query), c.s.args(args)
	err = c.on(ctx, func(q Querier) error {
		n, err = q.Exec(ctx, query, args...)
		return err
	})
	return n, c.s.mapErr(err)
}

// row runs a query that returns at most one row and scans it into dest;
// no row is store.ErrNotFound.
func (c conn) row(ctx context.Context, dest []any, query string, args ...any) error {
	query, args = c.s.sql(query), c.s.args(args)
	return c.s.mapErr(c.on(ctx, func(q Querier) error { return q.QueryRow(ctx, query, args...).Scan(dest...) }))
}

// insert inserts into table one row of values for the comma-separated cols.
func (c conn) insert(ctx context.Context, table, cols string, values ...any) error {
	_, err := c.exec(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES (?`+strings.Repeat(", ?", len(values)-1)+`)`, values...)
	return err
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
	ended := false
	defer func() {
		if !ended { // fn panicked: free the connection and the write lock
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(conn{s, tx}); err != nil {
		ended = true
		_ = tx.Rollback(ctx)
		return err
	}
	ended = true
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

// writeRow runs a write of one statement that must change a row;
// store.ErrNotFound if it changed none.
func (s *Store) writeRow(ctx context.Context, query string, args ...any) error {
	return s.writeOne(ctx, func(c conn) error {
		n, err := c.exec(ctx, query, args...)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
}

// sql returns query with numbered parameters, which both databases take:
// each ? becomes $1, $2, ... The store's queries hold no ? but parameters.
func (s *Store) sql(query string) string {
	if q, ok := s.queries.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	for i, part := range strings.Split(query, "?") {
		if i > 0 {
			b.WriteString("$" + strconv.Itoa(i))
		}
		b.WriteString(part)
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

// limitArg is the LIMIT of limit, none when <= 0.
func limitArg(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt64
	}
	return int64(limit)
}

// timeCol scans a timestamp or INTEGER microseconds since the Unix epoch
// into a UTC time; as a pgx TimestamptzScanner, without boxing the time.
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

// nilIfEmpty reads a stored empty BLOB back as nil.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// requireID refuses the nil UUID, which would look like a valid id.
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

// qualify prefixes each column of the list cols with table, for joins.
func qualify(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// one runs query on c and scans its one row with scan; no row is
// store.ErrNotFound.
func one[T any](ctx context.Context, c conn, scan func(Row) (T, error), query string, args ...any) (T, error) {
	query, args = c.s.sql(query), c.s.args(args)
	var v T
	err := c.on(ctx, func(q Querier) (err error) {
		v, err = scan(q.QueryRow(ctx, query, args...))
		return err
	})
	if err != nil {
		var zero T
		return zero, c.s.mapErr(err)
	}
	return v, nil
}

// all runs query on c and scans every row with scan.
func all[T any](ctx context.Context, c conn, scan func(Row) (T, error), query string, args ...any) (out []T, err error) {
	query, args = c.s.sql(query), c.s.args(args)
	err = c.on(ctx, func(q Querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []T{}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, c.s.mapErr(err)
	}
	return out, nil
}

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

// cleanText returns s with each NUL byte and each run of invalid UTF-8
// replaced by U+FFFD, so that free text (log lines, build errors, what
// Terraform reports about an agent) fits a text column of either database:
// PostgreSQL text holds neither and would refuse the whole write.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// createdUpdated returns a new row's creation and update times as stored:
// a zero created is now, a zero updated is created.
func createdUpdated(created, updated time.Time) (time.Time, time.Time) {
	created = storedTimeOrNow(created)
	if updated.IsZero() {
		return created, created
	}
	return created, storedTime(updated)
}

// The sealed columns (secret values, workspace states, agent configs)
// share two queries: how many rows each key id seals, and swapping one
// row's ciphertext when it is re-sealed.

// keyIDCounts runs query, which selects (key id, count) rows.
func (s *Store) keyIDCounts(ctx context.Context, query string) (map[string]int, error) {
	out := map[string]int{}
	_, err := all(ctx, s.read(), func(r Row) (id string, err error) {
		var n int
		err = r.Scan(&id, &n)
		out[id] = n
		return id, err
	}, query)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// replaceSealed runs UPDATE table SET set WHERE id = ? AND where, with
// setArgs, id and oldKeyID: where checks that the row is still sealed by
// oldKeyID (else conflictOrNotFound on "key_id"). Table and column names
// are constants of this package.
func (s *Store) replaceSealed(ctx context.Context, table, set, where string, setArgs []any, id uuid.UUID, oldKeyID string) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE `+table+` SET `+set+` WHERE id = ? AND `+where,
			append(setArgs, id, oldKeyID)...)
		if err != nil || n == 1 {
			return err
		}
		return conflictOrNotFound(ctx, c, table, id, "key_id")
	})
}

// conflictOrNotFound says why a write did not change row id of table:
// store.ErrNotFound if there is none, else a *store.ConflictError on field.
func conflictOrNotFound(ctx context.Context, c conn, table string, id uuid.UUID, field string) error {
	if err := c.exists(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id); err != nil {
		return err
	}
	return &store.ConflictError{Field: field}
}

// JoinPeers links the server processes that share the database: through
// the database where it can (store.PeerJoiner: PostgreSQL), else the
// servers that share this Store in this process (SQLite: one server
// process per file, the data folder's lock sees to it; tests run several
// servers on one Store).
func (s *Store) JoinPeers(ctx context.Context, h store.PeerHandlers) (store.Peers, error) {
	if j, ok := s.db.(store.PeerJoiner); ok {
		return j.JoinPeers(ctx, h)
	}
	return s.local.join(h), nil
}
