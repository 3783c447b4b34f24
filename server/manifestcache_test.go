package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// countingStore counts the store calls of a manifest fetch.
type countingStore struct {
	store.Store
	auth, secrets, buildSecrets, record atomic.Int64
	admission                           atomic.Int64
}

func (c *countingStore) GetAgentAdmission(ctx context.Context, hash []byte) (*store.AgentAdmission, error) {
	c.admission.Add(1)
	return c.Store.GetAgentAdmission(ctx, hash)
}

func (c *countingStore) GetAgentAuth(ctx context.Context, hash []byte) (*store.AgentAuth, error) {
	c.auth.Add(1)
	return c.Store.GetAgentAuth(ctx, hash)
}

// openCounter is the encryption decorator counting the openings of an
// agent's sealed config (the server's agent API leaves it sealed until a
// request reads it).
type openCounter struct {
	*cryptstore.Store
	opens atomic.Int64
}

func (c *openCounter) OpenAgentConfig(a *store.WorkspaceAgent) {
	c.opens.Add(1)
	c.Store.OpenAgentConfig(a)
}

func (c *countingStore) ListSecretsWithValues(ctx context.Context, owner uuid.UUID) ([]store.Secret, error) {
	c.secrets.Add(1)
	return c.Store.ListSecretsWithValues(ctx, owner)
}

func (c *countingStore) ListBuildSecretsWithValues(ctx context.Context, build uuid.UUID) ([]store.BuildSecret, error) {
	c.buildSecrets.Add(1)
	return c.Store.ListBuildSecretsWithValues(ctx, build)
}

func (c *countingStore) RecordManifestRevision(ctx context.Context, agentID uuid.UUID, revision string, delivered []byte, at time.Time) error {
	c.record.Add(1)
	return c.Store.RecordManifestRevision(ctx, agentID, revision, delivered, at)
}

func (c *countingStore) counts() [5]int64 {
	return [5]int64{c.admission.Load(), c.auth.Load(), c.secrets.Load(), c.buildSecrets.Load(), c.record.Load()}
}

// TestManifestCache: the manifest is served from memory while nothing it
// was built from changed (a fetch is then one store call, the narrow
// admission query, and no write), and every kind of change is in the very
// next manifest, through this server and through a second server process
// on the same database (on SQLite the same store: one process per file): a
// value update, an env and a file target change, a rename, disable and
// enable, template scoping, a create, a delete, a new build (with a build
// secret); a stop is 403 as before. The revision is recorded once per
// change.
func TestManifestCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		var cnt *countingStore
		var sealed *openCounter
		a := servertest.New(t, b, servertest.Options{Terraform: true, WrapStore: func(st store.Store) store.Store {
			cnt = &countingStore{Store: st}
			return cnt
		}, WrapSealed: func(cs *cryptstore.Store) store.Store {
			sealed = &openCounter{Store: cs}
			return sealed
		}})
		// The other server's calls are not counted.
		other := otherProcess(t, b, a, cnt.Store, servertest.Options{})
		ctx := context.Background()
		pushTemplate(t, a.Admin, "plain", "testdata/plain")
		c := a.NewMember(t, "mia")
		v1, v2 := canary(t), canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: sdk.SecretValue(v1), EnvName: "K"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		token := agentToken(t, a, ws.ID)
		agents := map[string]*sdk.Client{"this server": sdk.New(a.URL), "the other server": sdk.New(other.URL)}
		for _, ag := range agents {
			ag.SessionToken = token
		}
		// fetch checks the very next manifest through both servers: the
		// secrets by name, with target and value.
		fetch := func(step string, want map[string]sdk.WorkspaceSecret) sdk.AgentManifest {
			t.Helper()
			var m sdk.AgentManifest
			for where, ag := range agents {
				got, err := ag.AgentManifest(ctx)
				if err != nil {
					t.Fatalf("%s, through %s: %v", step, where, err)
				}
				have := map[string]sdk.WorkspaceSecret{}
				for _, s := range got.Secrets {
					have[s.Name] = sdk.WorkspaceSecret{EnvName: s.EnvName, FilePath: s.FilePath, Value: s.Value}
				}
				if len(have) != len(want) {
					t.Fatalf("%s, through %s: %d secrets, want %d", step, where, len(have), len(want))
				}
				for n, w := range want {
					if h, ok := have[n]; !ok || h.EnvName != w.EnvName || h.FilePath != w.FilePath || h.Value.Reveal() != w.Value.Reveal() {
						t.Fatalf("%s, through %s: secret %q is missing or stale (env %q file %q, want env %q file %q; value current: %v)",
							step, where, n, h.EnvName, h.FilePath, w.EnvName, w.FilePath, h.Value.Reveal() == w.Value.Reveal())
					}
				}
				m = got
			}
			return m
		}
		env := func(name, v string) sdk.WorkspaceSecret {
			return sdk.WorkspaceSecret{EnvName: name, Value: sdk.SecretValue(v)}
		}
		m0 := fetch("first fetch", map[string]sdk.WorkspaceSecret{"k": env("K", v1)})

		// A cache hit: one store call (the admission query), no write, the same manifest, and
		// the agent's sealed config is not opened.
		if sealed.opens.Load() == 0 {
			t.Fatal("the first fetch opened no agent config: the server does not use the sealed lookup")
		}
		before, opens := cnt.counts(), sealed.opens.Load()
		hit, err := agents["this server"].AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := cnt.counts(); got != [5]int64{before[0] + 1, before[1], before[2], before[3], before[4]} {
			t.Fatalf("a cache hit made (admission, whole auth record, secrets, build secrets, revision records) %v → %v, want one admission query only", before, got)
		}
		if got := sealed.opens.Load(); got != opens {
			t.Fatalf("a cache hit opened the agent's config (%d → %d openings)", opens, got)
		}
		if hit.Revision != m0.Revision {
			t.Fatalf("a cache hit has another revision")
		}

		update := func(name string, r sdk.UpdateSecretRequest) {
			t.Helper()
			if _, err := c.UpdateSecret(ctx, sdk.Me, name, r); err != nil {
				t.Fatalf("update %s: %v", name, err)
			}
		}
		recordsBefore, missBefore := cnt.record.Load(), cnt.counts()
		update("k", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue(v2))})
		m1 := fetch("value update", map[string]sdk.WorkspaceSecret{"k": env("K", v2)})
		// A miss: the admission query, then the whole record.
		if got := cnt.counts(); got[0]-missBefore[0] != 1 || got[1]-missBefore[1] != 1 {
			t.Fatalf("the fetch after a change made %d admission and %d whole-record queries on this server, want 1 and 1", got[0]-missBefore[0], got[1]-missBefore[1])
		}
		if m1.Revision == m0.Revision {
			t.Fatal("a value update kept the revision")
		}
		if got := cnt.record.Load() - recordsBefore; got != 1 {
			t.Fatalf("a value update recorded %d revisions on this server, want 1", got)
		}
		for range 3 {
			fetch("again", map[string]sdk.WorkspaceSecret{"k": env("K", v2)})
		}
		if got := cnt.record.Load() - recordsBefore; got != 1 {
			t.Fatalf("fetches of an unchanged manifest recorded revisions again (%d)", got)
		}
		update("k", sdk.UpdateSecretRequest{EnvName: ptr("K2")})
		fetch("env target change", map[string]sdk.WorkspaceSecret{"k": env("K2", v2)})
		update("k", sdk.UpdateSecretRequest{FilePath: ptr("/tmp/k-file")})
		fetch("file target added", map[string]sdk.WorkspaceSecret{"k": {EnvName: "K2", FilePath: "/tmp/k-file", Value: sdk.SecretValue(v2)}})
		update("k", sdk.UpdateSecretRequest{Enabled: ptr(false)})
		fetch("disabled", map[string]sdk.WorkspaceSecret{})
		update("k", sdk.UpdateSecretRequest{Enabled: ptr(true)})
		fetch("enabled", map[string]sdk.WorkspaceSecret{"k": {EnvName: "K2", FilePath: "/tmp/k-file", Value: sdk.SecretValue(v2)}})
		update("k", sdk.UpdateSecretRequest{Templates: &[]string{"other"}})
		fetch("scoped to another template", map[string]sdk.WorkspaceSecret{})
		update("k", sdk.UpdateSecretRequest{Templates: &[]string{}})
		fetch("scope cleared", map[string]sdk.WorkspaceSecret{"k": {EnvName: "K2", FilePath: "/tmp/k-file", Value: sdk.SecretValue(v2)}})
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "n", Value: sdk.SecretValue(v1), EnvName: "N"}); err != nil {
			t.Fatal(err)
		}
		fetch("create", map[string]sdk.WorkspaceSecret{"k": {EnvName: "K2", FilePath: "/tmp/k-file", Value: sdk.SecretValue(v2)}, "n": env("N", v1)})
		if err := c.DeleteSecret(ctx, sdk.Me, "k"); err != nil {
			t.Fatal(err)
		}
		fetch("delete", map[string]sdk.WorkspaceSecret{"n": env("N", v1)})

		// A new build with a build secret: a new agent and token.
		b2, err := c.CreateBuildWith(ctx, sdk.Me, "dev", sdk.CreateBuildRequest{Transition: sdk.TransitionStart,
			Secrets: []sdk.BuildSecret{{Name: "bs", EnvName: "BS", Value: ptr(sdk.SecretValue(v2))}}})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, b2)
		// The token is the workspace's (the new build's agent has it too):
		// the next fetch is the new agent's.
		token = agentToken(t, a, ws.ID)
		for _, ag := range agents {
			ag.SessionToken = token
		}
		if m := fetch("new build with a build secret", map[string]sdk.WorkspaceSecret{"n": env("N", v1), "bs": env("BS", v2)}); m.BuildID != b2.ID {
			t.Fatalf("the manifest after a new build is of build %v, want %v", m.BuildID, b2.ID)
		}

		stop, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStop)
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, stop)
		for where, ag := range agents {
			if _, err := ag.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusForbidden {
				t.Fatalf("a stopped workspace's agent through %s: %v, want 403", where, err)
			}
		}
		for _, v := range []string{v1, v2} {
			if strings.Contains(a.Logs.String(), v) || strings.Contains(other.Logs.String(), v) {
				t.Fatal("a value reached a server's log")
			}
		}
	})
}
