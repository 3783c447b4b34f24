package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the prepared statements kept: the store's queries
// are a fixed set (a few vary with their filters), and one past the bound
// simply runs unprepared.
const maxCachedStmts = 512

// stmtQuerier runs the readers' statements prepared once and kept:
// database/sql prepares a kept statement on each connection the first
// time it runs there. Without it SQLite parsed and planned every query
// again (half the CPU of a cached agent manifest went to parsing the
// admission query).
//
// A read (Query, QueryRow) starts only while its caller's context is live, and once
// started runs to its end: it is given the context without its
// cancellation (unhook). A cancellable context costs two goroutines per
// statement, database/sql's watcher of the rows and the driver's, which
// interrupts SQLite; under 1,000 agent connections they were a third of
// the server's goroutines. The store's reads are point lookups and
// bounded lists, and in WAL mode a reader never waits for the writer, so
// a read that its caller gave up on ends within moments anyway.
type stmtQuerier struct {
	db *sql.DB
	mu *sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtQuerier(db *sql.DB) stmtQuerier {
	return stmtQuerier{db: db, mu: new(sync.Mutex), m: map[string]*sql.Stmt{}}
}

// stmt returns query's kept statement, preparing it first; nil when the
// cache is full.
func (q stmtQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	q.mu.Lock()
	st, full := q.m[query], len(q.m) >= maxCachedStmts
	q.mu.Unlock()
	if st != nil || full {
		return st, nil
	}
	st, err := q.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if kept := q.m[query]; kept != nil { // another reader prepared it meanwhile
		_ = st.Close()
		return kept, nil
	}
	q.m[query] = st
	return st, nil
}

// unhook returns ctx without its cancellation, or ctx's error when it has
// ended already.
func unhook(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// Exec keeps its context's cancellation: a write outside a transaction
// may wait for the writer's lock, and the driver ends that wait when the
// context ends (database/sql starts no watcher for an Exec).
func (q stmtQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = q.db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q stmtQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx, err := unhook(ctx)
	if err != nil {
		return nil, err
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = q.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q stmtQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	ctx, err := unhook(ctx)
	if err != nil {
		return errRow{err}
	}
	st, err := q.stmt(ctx, query)
	switch {
	case err != nil:
		return errRow{err}
	case st != nil:
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}

// close closes the kept statements.
func (q stmtQuerier) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, st := range q.m {
		_ = st.Close()
		delete(q.m, k)
	}
}
