package pgstore

import (
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// poolSize is the pool's connection cap when the connection string sets
// none (pgx's own default, max(4, CPUs), keeps 4 connections on a 2-core
// machine, where requests then queue for a connection while the database
// idles between their round trips). A query's time is mostly the round
// trip, not the database's CPU, so more connections than cores keep
// PostgreSQL busy: 8 per CPU, at least 16 and at most 64 (two server
// processes stay well under PostgreSQL's default max_connections of 100).
func poolSize() int32 {
	return int32(min(max(16, 8*runtime.NumCPU()), 64))
}

// sizePool sets cfg's connection cap unless url sets pool_max_conns
// itself, which then wins.
func sizePool(cfg *pgxpool.Config, url string) {
	if strings.Contains(url, "pool_max_conns") {
		return
	}
	cfg.MaxConns = poolSize()
}
