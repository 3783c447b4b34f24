package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestAuthOneQuery: authentication finds the key and its user in one
// query (store.GetAPIKeyWithUser). What it decides is unchanged, and holds
// across server processes on the very next request: a logged-out token is
// refused by the other process at once, a token past its expiry is
// refused, a token whose secret half is wrong is refused, and the user
// the request acts as is the key's own.
func TestAuthOneQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		a := servertest.New(t, b, servertest.Options{Now: clock})
		// A second server process on the same database (on SQLite, the
		// same store: one process per file).
		other := otherProcess(t, b, a, a.Store, servertest.Options{Now: clock})
		ctx := context.Background()

		alice := a.NewMember(t, "alice")
		bob := a.NewMember(t, "bob")
		onOther := func(c *sdk.Client) *sdk.Client {
			o := sdk.New(other.URL)
			o.SessionToken = c.SessionToken
			return o
		}
		for name, c := range map[string]*sdk.Client{"alice": onOther(alice), "bob": onOther(bob)} {
			u, err := c.User(ctx, sdk.Me)
			if err != nil {
				t.Fatalf("%s on the other server: %v", name, err)
			}
			if u.Username != name {
				t.Fatalf("the token of %s acts as %q", name, u.Username)
			}
		}

		// The secret half of the token is checked, not only its id.
		id, _, _ := strings.Cut(alice.SessionToken, "-")
		forged := sdk.New(other.URL)
		forged.SessionToken = id + "-" + strings.Repeat("x", 22)
		if _, err := forged.User(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("right id, wrong secret: got %v, want 401", err)
		}

		// Logout on one process: the other refuses the token at once.
		aliceOther := onOther(alice)
		if err := alice.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := aliceOther.User(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("logged-out token on the other server: got %v, want 401", err)
		}
		if _, err := onOther(bob).User(ctx, sdk.Me); err != nil {
			t.Fatalf("bob after alice's logout: %v", err)
		}

		// An API token past its expiry is refused, with the reason.
		tok, err := bob.CreateToken(ctx, sdk.Me, sdk.CreateTokenRequest{Lifetime: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		bobTok := sdk.New(other.URL)
		bobTok.SessionToken = tok.Key
		if _, err := bobTok.User(ctx, sdk.Me); err != nil {
			t.Fatalf("fresh API token: %v", err)
		}
		mu.Lock()
		now = now.Add(time.Hour + time.Second)
		mu.Unlock()
		_, err = bobTok.User(ctx, sdk.Me)
		if sdk.StatusCode(err) != http.StatusUnauthorized || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired API token: got %v, want 401 saying it expired", err)
		}
	})
}
