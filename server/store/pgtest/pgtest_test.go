package pgtest_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.RunMain(m) }

func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if a == b {
		t.Fatalf("got the same URL twice, want two databases")
	}
	for _, u := range []string{a, b} {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
			t.Fatalf("count tables: %v", err)
		}
		if n != 0 {
			t.Errorf("got %d tables in a new database, want 0", n)
		}
		_ = conn.Close(ctx)
	}
}

func TestPGDump(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	const canary = "canary-7f3a9c"
	if _, err := conn.Exec(ctx, `CREATE TABLE t (v text); INSERT INTO t VALUES ('`+canary+`')`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	dump := pgtest.PGDump(t, u)
	if !bytes.Contains(dump, []byte(canary)) {
		t.Errorf("got a dump of %d bytes without the canary, want it to hold the table's data", len(dump))
	}
}
