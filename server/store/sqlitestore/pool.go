package sqlitestore

import (
	"database/sql"
	"runtime"
)

// maxConns caps the connections, each an open database file (and its WAL
// and shared-memory files), that database/sql keeps to the file. Without a
// cap every concurrent request opened one of its own (999 under 1,000
// agent connections), and SQLite spent its time opening files and fighting
// over the WAL index instead of answering. One connection writes at a time
// (the store queues writes itself); readers run in parallel in WAL mode but
// are CPU-bound, so a few per CPU suffice: requests beyond that wait at
// the store's gate (sqlstore.GatedSQLDB), first come first served,
// honouring their context: one connection is the writer's, the others
// the readers'.
func maxConns() int { return min(max(4, 2*runtime.NumCPU()), 32) }

// capPool applies maxConns and keeps that many connections open, idle or
// not, so that a burst does not close and reopen files.
func capPool(db *sql.DB) {
	n := maxConns()
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}
