package server_test

import (
	"context"
	"testing"

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
