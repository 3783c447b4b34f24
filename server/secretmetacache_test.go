package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
)

// metaCountingStore counts the store calls of a secret GET or list.
type metaCountingStore struct {
	store.Store
	auth, list, get atomic.Int64
}

func (c *metaCountingStore) GetAPIKeyAuth(ctx context.Context, id string) (store.APIKeyAuth, error) {
	c.auth.Add(1)
	return c.Store.GetAPIKeyAuth(ctx, id)
}

func (c *metaCountingStore) ListSecrets(ctx context.Context, owner uuid.UUID) ([]store.Secret, error) {
	c.list.Add(1)
	return c.Store.ListSecrets(ctx, owner)
}

func (c *metaCountingStore) GetSecret(ctx context.Context, owner uuid.UUID, name string) (store.Secret, error) {
	c.get.Add(1)
	return c.Store.GetSecret(ctx, owner, name)
}

func (c *metaCountingStore) counts() [3]int64 {
	return [3]int64{c.auth.Load(), c.list.Load(), c.get.Load()}
}

// countedPair starts two server processes on one database: a, whose
// store queries cnt counts, and other, sharing a's store and keys.
func countedPair(t *testing.T, b servertest.Backend) (a *servertest.Server, cnt *metaCountingStore, other *servertest.Server) {
	t.Helper()
	a = servertest.New(t, b, servertest.Options{WrapStore: func(st store.Store) store.Store {
		cnt = &metaCountingStore{Store: st}
		return cnt
	}})
	return a, cnt, otherProcess(t, b, a, cnt.Store, servertest.Options{})
}

// TestSecretMetaCache: the secret GET and list answers are served from
// memory while the owner's secrets did not change (a GET or a list of a
// cached token then makes no query at all), and every change made through either of
// two server processes on one database is in the very next GET and list of
// both: a create, a description, env and file change, disable, enable,
// template scoping, refresh mode, an import, a delete. A logout and an
// expired token are refused on the very next request of both.
func TestSecretMetaCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		a, cnt, other := countedPair(t, b)
		ctx := context.Background()
		c := a.NewMember(t, "mia")
		// Another user's secrets are in none of mia's answers.
		if _, err := a.NewMember(t, "noah").CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "theirs", Value: "v", EnvName: "THEIRS"}); err != nil {
			t.Fatal(err)
		}
		c2 := sdk.New(other.URL)
		c2.SessionToken = c.SessionToken
		clients := map[string]*sdk.Client{"this server": c, "the other server": c2}

		// check compares the very next list, and a GET of each secret,
		// through both servers with want (name → the fields that change).
		type meta struct {
			desc, env, file string
			enabled         bool
			templates       int
			refresh         string
		}
		check := func(step string, want map[string]meta) {
			t.Helper()
			for where, cl := range clients {
				list, err := cl.Secrets(ctx, sdk.Me)
				if err != nil {
					t.Fatalf("%s, list through %s: %v", step, where, err)
				}
				if len(list) != len(want) {
					t.Fatalf("%s, list through %s: %d secrets, want %d", step, where, len(list), len(want))
				}
				if !slices.IsSortedFunc(list, func(x, y sdk.Secret) int { return strings.Compare(x.Name, y.Name) }) {
					t.Errorf("%s, list through %s: not sorted by name", step, where)
				}
				for _, s := range list {
					one, err := cl.Secret(ctx, sdk.Me, s.Name)
					if err != nil {
						t.Fatalf("%s, GET %s through %s: %v", step, s.Name, where, err)
					}
					for _, got := range []sdk.Secret{s, one} {
						w, ok := want[got.Name]
						have := meta{got.Description, got.EnvName, got.FilePath, got.Enabled, len(got.Templates), got.Refresh}
						if !ok || have != w {
							t.Fatalf("%s, through %s: secret %q is %+v, want %+v (listed: %v)", step, where, got.Name, have, w, ok)
						}
					}
					if one.UpdatedAt != s.UpdatedAt || one.ID != s.ID {
						t.Fatalf("%s, through %s: GET %s and the list disagree", step, where, s.Name)
					}
				}
				if _, err := cl.Secret(ctx, sdk.Me, "no-such-secret"); sdk.StatusCode(err) != http.StatusNotFound {
					t.Fatalf("%s, GET of a missing secret through %s: %v, want 404", step, where, err)
				}
			}
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: "v", EnvName: "K", Description: "one"}); err != nil {
			t.Fatal(err)
		}
		k := meta{desc: "one", env: "K", enabled: true, refresh: "restart"}
		check("create", map[string]meta{"k": k})

		// A hit: the authentication query alone.
		before := cnt.counts()
		if _, err := c.Secrets(ctx, sdk.Me); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Secret(ctx, sdk.Me, "k"); err != nil {
			t.Fatal(err)
		}
		if got := cnt.counts(); got != before {
			t.Fatalf("a cached list and GET made (auth, list, get) %v → %v, want no query (the token is cached too)", before, got)
		}

		// Each change through one server, then the other.
		writers := []*sdk.Client{c, c2}
		step := 0
		update := func(what string, r sdk.UpdateSecretRequest, want map[string]meta) {
			t.Helper()
			w := writers[step%2]
			step++
			if _, err := w.UpdateSecret(ctx, sdk.Me, "k", r); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			check(what, want)
		}
		k.desc = "two"
		update("description", sdk.UpdateSecretRequest{Description: ptr("two")}, map[string]meta{"k": k})
		k.env = "K2"
		update("env target", sdk.UpdateSecretRequest{EnvName: ptr("K2")}, map[string]meta{"k": k})
		k.file = "~/k-file"
		update("file target", sdk.UpdateSecretRequest{FilePath: ptr("~/k-file")}, map[string]meta{"k": k})
		k.enabled = false
		update("disable", sdk.UpdateSecretRequest{Enabled: ptr(false)}, map[string]meta{"k": k})
		k.enabled = true
		update("enable", sdk.UpdateSecretRequest{Enabled: ptr(true)}, map[string]meta{"k": k})
		k.templates = 1
		update("template scoping", sdk.UpdateSecretRequest{Templates: &[]string{"docker"}}, map[string]meta{"k": k})
		k.refresh = "live"
		update("refresh mode", sdk.UpdateSecretRequest{Refresh: ptr("live")}, map[string]meta{"k": k})
		before = cnt.counts()
		update("value", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue("v2"))}, map[string]meta{"k": k})
		if got := cnt.counts(); got[1] == before[1] {
			t.Fatal("the list after a value update (updated_at) was served from the cache on this server")
		}
		if _, err := c2.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "n", Value: "v", FilePath: "~/n"}); err != nil {
			t.Fatal(err)
		}
		n := meta{file: "~/n", enabled: true, refresh: "restart"}
		check("create through the other server", map[string]meta{"k": k, "n": n})
		if _, err := c.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: "env", Content: "IMPORTED=x\n"}); err != nil {
			t.Fatal(err)
		}
		list, err := c2.Secrets(ctx, sdk.Me)
		if err != nil || len(list) != 3 {
			t.Fatalf("the list through the other server after an import: %d secrets, %v; want 3", len(list), err)
		}
		if err := c2.DeleteSecret(ctx, sdk.Me, "k"); err != nil {
			t.Fatal(err)
		}
		for where, cl := range clients {
			if _, err := cl.Secret(ctx, sdk.Me, "k"); sdk.StatusCode(err) != http.StatusNotFound {
				t.Fatalf("GET of the deleted secret through %s: %v, want 404", where, err)
			}
			if list, err := cl.Secrets(ctx, sdk.Me); err != nil || len(list) != 2 {
				t.Fatalf("the list through %s after a delete: %d secrets, %v; want 2", where, len(list), err)
			}
		}

		// A logout through one server: the token is refused on the very
		// next request of both, cached metadata or not.
		if err := c2.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		for where, cl := range clients {
			if _, err := cl.Secrets(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
				t.Fatalf("a list through %s after the logout: %v, want 401", where, err)
			}
			if _, err := cl.Secret(ctx, sdk.Me, "n"); sdk.StatusCode(err) != http.StatusUnauthorized {
				t.Fatalf("a GET through %s after the logout: %v, want 401", where, err)
			}
		}
	})
}
