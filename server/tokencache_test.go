package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestTokenCache: a token verified once is served from memory (no
// authentication query), and what empties it holds across two server
// processes on one database on the very next request: a logout through
// one is refused by the other, whose cache held the token, and a secret
// written through one is in the other's next list, though its cache held
// the token (and with it the owner's secrets generation).
func TestTokenCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		a, cnt, other := countedPair(t, b)
		ctx := context.Background()
		onOther := func(c *sdk.Client) *sdk.Client {
			o := sdk.New(other.URL)
			o.SessionToken = c.SessionToken
			return o
		}

		alice := a.NewMember(t, "alice")
		if _, err := alice.User(ctx, sdk.Me); err != nil {
			t.Fatal(err)
		}
		before := cnt.auth.Load()
		for range 3 {
			if _, err := alice.User(ctx, sdk.Me); err != nil {
				t.Fatal(err)
			}
		}
		if got := cnt.auth.Load(); got != before {
			t.Fatalf("three requests with a verified token made %d authentication queries, want none", got-before)
		}

		// A secret written through the other process, both caches warm.
		aliceOther := onOther(alice)
		if _, err := aliceOther.Secrets(ctx, sdk.Me); err != nil {
			t.Fatal(err)
		}
		if _, err := aliceOther.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: "v", EnvName: "K"}); err != nil {
			t.Fatal(err)
		}
		list, err := alice.Secrets(ctx, sdk.Me)
		if err != nil || len(list) != 1 || list[0].Name != "k" {
			t.Fatalf("the next list on this process after a create on the other: %v, %v", list, err)
		}
		if err := aliceOther.DeleteSecret(ctx, sdk.Me, "k"); err != nil {
			t.Fatal(err)
		}
		if list, err := alice.Secrets(ctx, sdk.Me); err != nil || len(list) != 0 {
			t.Fatalf("the next list on this process after a delete on the other: %v, %v", list, err)
		}

		// A logout through the other process; this one held the token.
		if _, err := alice.User(ctx, sdk.Me); err != nil {
			t.Fatal(err)
		}
		if err := aliceOther.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.User(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("the logged-out token on the process that had cached it: got %v, want 401", err)
		}
		if _, err := aliceOther.User(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("the logged-out token on the process that logged it out: got %v, want 401", err)
		}
	})
}
