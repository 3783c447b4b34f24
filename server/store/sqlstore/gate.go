package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by a gated database's statements after Close.
var ErrClosed = errors.New("the database is closed")

// GatedSQLDB is db as a DB (as SQLDB) that serves reads outside a
// transaction on conns-1 reader goroutines and lets one transaction at a
// time begin, for a db capped at conns open connections (conns >= 2).
//
// Fairness: database/sql hands a released connection to a random waiter
// (Go 1.23 and later), which under overload leaves some requests waiting
// many times the mean. Here nobody waits in database/sql: a read waits to
// hand its work to a reader, on an unbuffered channel whose blocked
// senders are served in the order they came, and there are never more
// readers plus the writer than connections. A transaction never waits
// behind readers, and a statement inside it runs on its connection, so it
// cannot wait on itself.
//
// CPU: the readers' statements are prepared once (stmtQuerier).
//
// Memory: the store's reads (the query, its rows and their scan) run on
// the readers' stacks. SQLite's code (modernc.org/sqlite, C translated to
// Go) needs deep stacks; run on each request's goroutine, it grew all of
// them, and 1,000 connections held about 40 MiB of stacks.
func GatedSQLDB(db *sql.DB, conns int) DB {
	d := &gatedDB{sqlDB: sqlDB{sqlQuerier{db}, db}, stmts: newStmtQuerier(db), jobs: make(chan *job),
		stop: make(chan struct{}), writes: make(chan struct{}, 1)}
	for range max(1, conns-1) {
		d.workers.Add(1)
		go d.reader()
	}
	return d
}

type gatedDB struct {
	sqlDB
	stmts   stmtQuerier   // the readers' statements, prepared once
	jobs    chan *job     // to the readers, unbuffered
	writes  chan struct{} // the one transaction's slot
	stop    chan struct{} // closed by Close
	once    sync.Once
	workers sync.WaitGroup
	// waits and waited count the reads and transactions that found no
	// reader or slot free, and how long they waited (the pool's waits).
	waits, waited atomic.Int64
	queued        atomic.Int64 // reads waiting for a reader now
}

// job is a read for a reader: fn runs on its goroutine, then done closes.
type job struct {
	fn    func()
	done  chan struct{}
	panic any // what fn panicked with, raised again on the caller's side
}

func (d *gatedDB) reader() {
	defer d.workers.Done()
	for {
		select {
		case j := <-d.jobs:
			j.run()
		case <-d.stop:
			return
		}
	}
}

func (j *job) run() {
	defer close(j.done)
	defer func() { j.panic = recover() }()
	j.fn()
}

// send hands j to a reader, first come first served, unless ctx ends or
// the database is closed first.
func (d *gatedDB) send(ctx context.Context, j *job) error {
	select {
	case d.jobs <- j:
		return nil
	default:
	}
	start := time.Now()
	defer d.recordWait(start)
	d.queued.Add(1)
	defer d.queued.Add(-1)
	select {
	case d.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.stop:
		return ErrClosed
	}
}

func (d *gatedDB) recordWait(start time.Time) {
	d.waits.Add(1)
	d.waited.Add(int64(time.Since(start)))
}

// run runs fn with the database on a reader and returns its error.
func (d *gatedDB) run(ctx context.Context, fn func(q Querier) error) error {
	var err error
	j := &job{fn: func() { err = fn(d.stmts) }, done: make(chan struct{})}
	if err := d.send(ctx, j); err != nil {
		return err
	}
	<-j.done // fn starts no statement once ctx has ended (stmtQuerier)
	if j.panic != nil {
		panic(j.panic)
	}
	return err
}

// hold keeps a reader idle, so that the caller may use one connection on
// its own goroutine, until release.
func (d *gatedDB) hold(ctx context.Context) (release func(), err error) {
	held, free := make(chan struct{}), make(chan struct{})
	j := &job{fn: func() { close(held); <-free }, done: make(chan struct{})}
	if err := d.send(ctx, j); err != nil {
		return nil, err
	}
	<-held
	var once sync.Once
	return func() { once.Do(func() { close(free); <-j.done }) }, nil
}

// Close stops the readers and closes the kept statements (the store
// closes db itself).
func (d *gatedDB) Close() error {
	d.once.Do(func() { close(d.stop) })
	d.workers.Wait()
	d.stmts.close()
	return nil
}

// PoolStats is database/sql's statistics of the pool, with the waits for
// a reader or the transaction's slot as its waits.
func (d *gatedDB) PoolStats() sql.DBStats {
	st := d.db.Stats()
	st.WaitCount += d.waits.Load()
	st.WaitDuration += time.Duration(d.waited.Load())
	return st
}

func (d *gatedDB) Exec(ctx context.Context, query string, args ...any) (n int64, err error) {
	err = d.run(ctx, func(q Querier) error {
		n, err = q.Exec(ctx, query, args...)
		return err
	})
	return n, err
}

// Query holds a reader until the rows are closed; the store's own reads
// go through run instead.
func (d *gatedDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	release, err := d.hold(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.sqlDB.Query(ctx, query, args...)
	if err != nil {
		release()
		return nil, err
	}
	return heldRows{rows, release}, nil
}

// QueryRow holds a reader until the row is scanned.
func (d *gatedDB) QueryRow(ctx context.Context, query string, args ...any) Row {
	release, err := d.hold(ctx)
	if err != nil {
		return errRow{err}
	}
	return heldRow{d.sqlDB.QueryRow(ctx, query, args...), release}
}

func (d *gatedDB) Begin(ctx context.Context) (Tx, error) {
	select {
	case d.writes <- struct{}{}:
	default:
		start := time.Now()
		select {
		case d.writes <- struct{}{}:
			d.recordWait(start)
		case <-ctx.Done():
			d.recordWait(start)
			return nil, ctx.Err()
		}
	}
	tx, err := d.sqlDB.Begin(ctx)
	if err != nil {
		<-d.writes
		return nil, err
	}
	var once sync.Once
	return gatedTx{tx, func() { once.Do(func() { <-d.writes }) }}, nil
}

type heldRows struct {
	Rows
	release func()
}

func (r heldRows) Close() {
	r.Rows.Close()
	r.release()
}

type heldRow struct {
	Row
	release func()
}

// Scan scans the row, which closes its rows whatever it returns.
func (r heldRow) Scan(dest ...any) error {
	defer r.release()
	return r.Row.Scan(dest...)
}

// errRow is a row whose query did not run.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// gatedTx frees the transaction's slot when it commits or rolls back.
type gatedTx struct {
	Tx
	release func()
}

func (t gatedTx) Commit(ctx context.Context) error {
	defer t.release()
	return t.Tx.Commit(ctx)
}

func (t gatedTx) Rollback(ctx context.Context) error {
	defer t.release()
	return t.Tx.Rollback(ctx)
}

// runner runs a read's whole work (statement, rows, scan) elsewhere: the
// gated database's readers.
type runner interface {
	run(ctx context.Context, fn func(q Querier) error) error
}

// on runs fn with c's querier: on a reader of a gated database, else here.
func (c conn) on(ctx context.Context, fn func(q Querier) error) error {
	if r, ok := c.q.(runner); ok {
		return r.run(ctx, fn)
	}
	return fn(c.q)
}
