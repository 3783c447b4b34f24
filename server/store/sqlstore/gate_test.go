package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// gatedFile opens a gated database on a new SQLite file (WAL, BEGIN
// IMMEDIATE, as sqlitestore does) with conns connections, and a table t.
func gatedFile(t *testing.T, conns int) (*gatedDB, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gate.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	d := GatedSQLDB(db, conns).(*gatedDB)
	t.Cleanup(func() {
		_ = db.Close()
		_ = d.Close()
	})
	return d, db
}

// occupy holds every reader of d until the returned func is called.
func occupy(t *testing.T, d *gatedDB, readers int) (free func()) {
	t.Helper()
	var releases []func()
	for range readers {
		release, err := d.hold(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	return func() {
		for _, r := range releases {
			r()
		}
	}
}

// queued waits until n callers are blocked waiting for a reader.
func queued(t *testing.T, d *gatedDB, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.queued.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait for a reader, want %d", d.queued.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
	time.Sleep(time.Millisecond) // from the count to the channel's queue
}

// TestGateFirstComeFirstServed: with the one reader busy, reads that
// arrive one after the other run in the order they arrived, each a real
// query on the file.
func TestGateFirstComeFirstServed(t *testing.T) {
	d, _ := gatedFile(t, 2) // one reader, one writer
	free := occupy(t, d, 1)
	const n = 50
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
		errs  = make(chan error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d.run(t.Context(), func(q Querier) error {
				var got int
				if err := q.QueryRow(t.Context(), `SELECT $1 + 0`, i).Scan(&got); err != nil {
					return err
				}
				mu.Lock()
				order = append(order, got)
				mu.Unlock()
				return nil
			})
		}()
		queued(t, d, int64(i+1)) // the next one arrives once this one waits
	}
	free()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("served in order %v, want 0..%d", order, n-1)
		}
	}
	if len(order) != n {
		t.Fatalf("%d reads served, want %d", len(order), n)
	}
	if w := d.PoolStats().WaitCount; w < n {
		t.Errorf("WaitCount = %d, want at least %d (every read waited)", w, n)
	}
}

// TestGateCancelWhileWaiting: a read whose context ends while it waits
// returns the context's error without running, and leaves no reader
// taken: the next read runs once the busy one is free.
func TestGateCancelWhileWaiting(t *testing.T) {
	d, _ := gatedFile(t, 2)
	free := occupy(t, d, 1)
	ctx, cancel := context.WithCancel(t.Context())
	ran := false
	errc := make(chan error, 1)
	go func() {
		errc <- d.run(ctx, func(Querier) error { ran = true; return nil })
	}()
	queued(t, d, 1)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled read: got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled read still waits")
	}
	if ran {
		t.Fatal("a cancelled read ran")
	}
	free()
	var n int
	if err := d.run(t.Context(), func(q Querier) error {
		return q.QueryRow(t.Context(), `SELECT COUNT(*) FROM t`).Scan(&n)
	}); err != nil {
		t.Fatalf("read after the cancel: %v", err)
	}
	// The transaction's slot honours its context too.
	tx, err := d.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	if _, err := d.Begin(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Begin while one is open: got %v, want context.DeadlineExceeded", err)
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestGateTransactionNotBehindReaders: with every reader busy, a
// transaction begins, runs its statements on its own connection and
// commits; the readers then see its row.
func TestGateTransactionNotBehindReaders(t *testing.T) {
	d, _ := gatedFile(t, 3) // two readers, one writer
	free := occupy(t, d, 2)
	done := make(chan error, 1)
	go func() {
		tx, err := d.Begin(t.Context())
		if err != nil {
			done <- err
			return
		}
		if _, err := tx.Exec(t.Context(), `INSERT INTO t (n) VALUES (7)`); err != nil {
			_ = tx.Rollback(t.Context())
			done <- err
			return
		}
		var n int
		if err := tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
			_ = tx.Rollback(t.Context())
			done <- fmt.Errorf("count in the transaction: %d, %v", n, err)
			return
		}
		done <- tx.Commit(t.Context())
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a transaction waits behind busy readers")
	}
	free()
	var n int
	if err := d.QueryRow(t.Context(), `SELECT n FROM t`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("read after the commit: %d, %v", n, err)
	}
}

// TestGateManyReadsAndWrites: concurrent reads and transactions on two
// connections all finish, and every committed row is counted.
func TestGateManyReadsAndWrites(t *testing.T) {
	d, db := gatedFile(t, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%10 == 0 {
				tx, err := d.Begin(t.Context())
				if err == nil {
					if _, err = tx.Exec(t.Context(), `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
						_ = tx.Rollback(t.Context())
					} else {
						err = tx.Commit(t.Context())
					}
				}
				errs <- err
				return
			}
			errs <- d.run(t.Context(), func(q Querier) error {
				rows, err := q.Query(t.Context(), `SELECT n FROM t`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var n int
					if err := rows.Scan(&n); err != nil {
						return err
					}
				}
				return rows.Err()
			})
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Fatal("reads and writes did not finish")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("read or write: %v", err)
		}
	}
	var n int
	if err := d.QueryRow(t.Context(), `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 30 {
		t.Fatalf("rows: %d, %v; want 30", n, err)
	}
	if st := db.Stats(); st.MaxOpenConnections != 2 || st.OpenConnections > 2 {
		t.Errorf("pool: %+v, want at most 2 connections", st)
	}
}

// TestGatePanicReachesCaller: a read that panics panics in its caller,
// and the reader goes on serving.
func TestGatePanicReachesCaller(t *testing.T) {
	d, _ := gatedFile(t, 2)
	func() {
		defer func() {
			if r := recover(); r != "scan failed" {
				t.Fatalf("recovered %v, want the read's panic", r)
			}
		}()
		_ = d.run(t.Context(), func(Querier) error { panic("scan failed") })
	}()
	var one int
	if err := d.run(t.Context(), func(q Querier) error {
		return q.QueryRow(t.Context(), `SELECT 1`).Scan(&one)
	}); err != nil || one != 1 {
		t.Fatalf("read after a panic: %d, %v", one, err)
	}
}

// TestGateKeepsStatements: a query runs prepared from the second time on;
// past maxCachedStmts queries still run, unprepared.
func TestGateKeepsStatements(t *testing.T) {
	d, _ := gatedFile(t, 2)
	for i := range maxCachedStmts + 5 {
		var got int
		err := d.run(t.Context(), func(q Querier) error {
			return q.QueryRow(t.Context(), fmt.Sprintf(`SELECT $1 + %d`, i), 1).Scan(&got)
		})
		if err != nil || got != i+1 {
			t.Fatalf("query %d: got %d, %v", i, got, err)
		}
	}
	d.stmts.mu.Lock()
	n := len(d.stmts.m)
	d.stmts.mu.Unlock()
	if n != maxCachedStmts {
		t.Errorf("%d statements kept, want %d", n, maxCachedStmts)
	}
	fresh, _ := gatedFile(t, 2)
	err := fresh.run(t.Context(), func(q Querier) error {
		return q.QueryRow(t.Context(), `SELECT nonsense FROM`).Scan(new(int))
	})
	if err == nil {
		t.Error("a query that does not prepare: no error")
	}
}

// TestGateStartedReadRunsToItsEnd: a reader's statement is not bound to
// its caller's cancellation once it has started (so database/sql and the
// driver start no watcher goroutine for it): a long count whose context
// ends while it runs still returns its whole result; a statement asked
// for after the end does not start.
func TestGateStartedReadRunsToItsEnd(t *testing.T) {
	d, _ := gatedFile(t, 2)
	const n = 500_000 // 100 ms or more of SQLite's work
	ctx, cancel := context.WithCancel(t.Context())
	var got int64
	var after error
	err := d.run(ctx, func(q Querier) error {
		time.AfterFunc(5*time.Millisecond, cancel)
		err := q.QueryRow(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $1) SELECT count(*) FROM c`, n).Scan(&got)
		after = q.QueryRow(ctx, `SELECT 1`).Scan(new(int))
		return err
	})
	if ctx.Err() == nil {
		t.Fatal("the count ended before its context: make it longer")
	}
	if err != nil || got != n {
		t.Fatalf("count: got %d, %v; want %d", got, err, n)
	}
	if !errors.Is(after, context.Canceled) {
		t.Fatalf("a statement after the cancel: %v, want context.Canceled", after)
	}
	for name, call := range map[string]func(context.Context, Querier) error{
		"Exec": func(ctx context.Context, q Querier) error {
			_, err := q.Exec(ctx, `INSERT INTO t (n) VALUES (1)`)
			return err
		},
		"Query": func(ctx context.Context, q Querier) error { _, err := q.Query(ctx, `SELECT n FROM t`); return err },
	} {
		if err := call(ctx, d.stmts); !errors.Is(err, context.Canceled) {
			t.Errorf("%s after the cancel: %v, want context.Canceled", name, err)
		}
	}
	var rows int
	if err := d.run(t.Context(), func(q Querier) error { return q.QueryRow(t.Context(), `SELECT count(*) FROM t`).Scan(&rows) }); err != nil || rows != 0 {
		t.Fatalf("rows in t: %d, %v; the cancelled insert ran", rows, err)
	}
}
