package server_test

import (
	"context"
	"testing"

	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/pgstore"
)

// openShared opens a second store on the same PostgreSQL database, as a
// second server process would.
func openShared(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// otherProcess starts a second server on a's database, as a second server
// process: on PostgreSQL with a store (and pool) of its own, on SQLite with
// st, the store a's process uses (one process per file). o's Store and
// RawKeys are filled in.
func otherProcess(t *testing.T, b servertest.Backend, a *servertest.Server, st store.Store, o servertest.Options) *servertest.Server {
	t.Helper()
	o.Store, o.RawKeys = st, a.RawKeys
	if b.Name == "postgres" {
		o.Store = openShared(t, a.Where)
	}
	return servertest.New(t, b, o)
}
