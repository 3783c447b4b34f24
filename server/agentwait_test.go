package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestWorkspaceAgentWait: the agent route answers at once without
// changed_from; with it, an unchanged agent is answered after wait_ms
// (not before) with the same state key, and a change is answered when it
// happens, long before the hold ends: through this server process (which
// wakes the held request) and through a second process on the same
// database (which its poll sees). A wait_ms out of range is 400.
func TestWorkspaceAgentWait(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		a := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		other := otherProcess(t, b, a, a.Store, servertest.Options{})
		ctx := context.Background()
		pushTemplate(t, a.Admin, "plain", "testdata/plain")
		c := a.NewMember(t, "wren")
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		agent := sdk.New(a.URL)
		agent.SessionToken = agentToken(t, a, ws.ID)
		if _, err := agent.AgentManifest(ctx); err != nil {
			t.Fatal(err)
		}
		onOther := sdk.New(other.URL)
		onOther.SessionToken = c.SessionToken

		first, err := c.WaitWorkspaceAgent(ctx, sdk.Me, "dev", "", 0)
		if err != nil || first.StateKey == "" {
			t.Fatalf("the agent without changed_from: %+v, %v; want it with a state key", first, err)
		}
		if plain, err := c.WorkspaceAgent(ctx, sdk.Me, "dev"); err != nil || plain.StateKey != first.StateKey {
			t.Fatalf("the plain agent route: key %q, %v; want %q", plain.StateKey, err, first.StateKey)
		}

		const hold = 300 * time.Millisecond
		start := time.Now()
		same, err := c.WaitWorkspaceAgent(ctx, sdk.Me, "dev", first.StateKey, hold)
		if took := time.Since(start); err != nil || same.StateKey != first.StateKey || took < hold {
			t.Fatalf("an unchanged agent: key %q after %v, %v; want %q after at least %v", same.StateKey, took, err, first.StateKey, hold)
		}

		// A change while a request is held, on each process: answered
		// with the new state, not at the end of a minute's hold.
		states := []string{sdk.LifecycleStarting, sdk.LifecycleReady}
		key := first.StateKey
		for i, waiter := range []*sdk.Client{c, onOther} {
			got := make(chan sdk.WorkspaceAgent, 1)
			errc := make(chan error, 1)
			start := time.Now()
			go func() {
				w, err := waiter.WaitWorkspaceAgent(ctx, sdk.Me, "dev", key, sdk.MaxAgentWait)
				errc <- err
				got <- w
			}()
			time.Sleep(50 * time.Millisecond) // usually held by now; if not, its first read sees the change
			if err := agent.PostLifecycle(ctx, sdk.AgentLifecycleRequest{State: states[i]}); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("held request %d: %v", i, err)
			}
			w := <-got
			if took := time.Since(start); w.LifecycleState != states[i] || w.StateKey == key || took > sdk.MaxAgentWait/2 {
				t.Fatalf("held request %d: state %q, key changed %v, after %v; want %q, a new key, long before the hold's end", i, w.LifecycleState, w.StateKey != key, took, states[i])
			}
			key = w.StateKey
		}

		// Through the second process: the first one checks its traffic
		// against the OpenAPI description, which refuses "soon" itself.
		for _, bad := range []string{"0", "-1", "60001", "soon"} {
			res, err := onOther.Request(ctx, http.MethodGet, "/api/v2/users/me/workspaces/dev/agent?changed_from=x&wait_ms="+bad, nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("wait_ms=%s: status %d, want 400", bad, res.StatusCode)
			}
		}
	})
}
