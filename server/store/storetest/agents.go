package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var agentTests = []test{
	{"RecordedOnSuccess", testAgentsRecorded},
	{"TokenHashNewest", testAgentTokenHashNewest},
	{"Lifecycle", testAgentLifecycle},
	{"Connection", testAgentConnection},
	{"NotFound", testAgentNotFound},
	{"Relay", testAgentRelay},
}

// testAgentRelay records which server an agent is connected to: set,
// replace, clear only by the server that holds it, and gone with the agent.
func testAgentRelay(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a := newAgent(b, "main", []byte("relay hash"))
	claimOne(t, s, b.ID, "w1")
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, Agents: []store.WorkspaceAgent{a}, CompletedAt: base})
	if _, err := s.GetAgentRelay(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAgentRelay before any: got %v, want ErrNotFound", err)
	}
	for _, u := range []string{"http://10.0.0.1:3000", "http://10.0.0.2:3000"} {
		if err := s.SetAgentRelay(ctx, a.ID, u, base); err != nil {
			t.Fatalf("SetAgentRelay(%s): %v", u, err)
		}
		if got, err := s.GetAgentRelay(ctx, a.ID); err != nil || got != u {
			t.Fatalf("GetAgentRelay: got %q, %v, want %q", got, err, u)
		}
	}
	// A server that lost the agent to another must not clear its record.
	if err := s.ClearAgentRelay(ctx, a.ID, "http://10.0.0.1:3000"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetAgentRelay(ctx, a.ID); got != "http://10.0.0.2:3000" {
		t.Fatalf("after a stale clear: got %q, want the newer record kept", got)
	}
	if err := s.ClearAgentRelay(ctx, a.ID, "http://10.0.0.2:3000"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAgentRelay(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAgentRelay after clear: got %v, want ErrNotFound", err)
	}
	if err := s.SetAgentRelay(ctx, uuid.New(), "http://x", base); err == nil {
		t.Fatal("SetAgentRelay of an unknown agent: got nil error")
	}
}

// newAgent returns an agent of build b named name whose token hashes to
// hash, created at base.
func newAgent(b store.WorkspaceBuild, name string, hash []byte) store.WorkspaceAgent {
	return store.WorkspaceAgent{
		ID:             uuid.New(),
		BuildID:        b.ID,
		WorkspaceID:    b.WorkspaceID,
		Name:           name,
		TokenHash:      hash,
		OS:             "linux",
		Arch:           "amd64",
		Directory:      "/home/coder",
		MOTDFile:       "/etc/motd",
		Env:            []byte(`[{"name":"A","value":"1"}]`),
		Scripts:        []byte(`[{"display_name":"Startup Script","script":"echo hi"}]`),
		Apps:           []byte(`[{"slug":"web","url":"http://localhost:8080"}]`),
		LifecycleState: sdk.LifecycleCreated,
		CreatedAt:      base,
	}
}

// storedAgent is a as the store returns it.
func storedAgent(a store.WorkspaceAgent) store.WorkspaceAgent {
	a.CreatedAt = stored(a.CreatedAt)
	return a
}

func getAgent(t *testing.T, s store.Store, id uuid.UUID) store.WorkspaceAgent {
	t.Helper()
	a, err := AgentByID(t.Context(), s, id)
	if err != nil {
		t.Fatalf("GetAgentByID: %v", err)
	}
	return a
}

func testAgentsRecorded(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	zed, alpha := newAgent(b, "zed", []byte("hash zed")), newAgent(b, "alpha", []byte("hash alpha"))
	zed.Env, zed.Scripts = []byte("[]"), []byte{0, 1, 0xff} // opaque bytes
	alpha.CreatedAt = time.Time{}                           // now
	claimOne(t, s, b.ID, "w1")
	before := time.Now()
	complete(t, s, store.CompleteBuildParams{
		BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded,
		Agents: []store.WorkspaceAgent{zed, alpha}, CompletedAt: base.Add(time.Hour),
	})
	got, err := s.ListAgentsByBuild(ctx, b.ID)
	if err != nil {
		t.Fatalf("ListAgentsByBuild: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("ListAgentsByBuild: got %d agents, want 2", len(got))
	}
	// A zero CreatedAt becomes the completion time or now: either way, set.
	if got[0].CreatedAt.IsZero() {
		t.Errorf("got a zero CreatedAt for an agent recorded without one, want it set (%v or after)", before)
	}
	wantAlpha := storedAgent(alpha)
	wantAlpha.CreatedAt = got[0].CreatedAt
	if diff := cmp.Diff([]store.WorkspaceAgent{wantAlpha, storedAgent(zed)}, got); diff != "" {
		t.Errorf("ListAgentsByBuild (by name) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(storedAgent(zed), getAgent(t, s, zed.ID)); diff != "" {
		t.Errorf("GetAgentByID mismatch (-want +got):\n%s", diff)
	}
	byHash, err := s.GetAgentByTokenHash(ctx, []byte("hash zed"))
	if err != nil {
		t.Fatalf("GetAgentByTokenHash: %v", err)
	}
	if diff := cmp.Diff(storedAgent(zed), byHash); diff != "" {
		t.Errorf("GetAgentByTokenHash mismatch (-want +got):\n%s", diff)
	}
	if none, err := s.ListAgentsByBuild(ctx, uuid.New()); err != nil || len(none) != 0 {
		t.Errorf("ListAgentsByBuild of an unknown build: got %d, %v, want none", len(none), err)
	}
}

// testAgentTokenHashNewest records an agent with one token over several
// builds, as a coder_agent that keeps its token does: the token finds the
// newest row.
func testAgentTokenHashNewest(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	hash := []byte("kept token")
	w, b1 := f.create(t, s, "dev", 0)
	a1 := newAgent(b1, "main", hash)
	finish(t, s, b1.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a1})

	stop := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStop, time.Minute))
	finish(t, s, stop.ID, sdk.BuildSucceeded, nil, "", nil)

	// Build 3 records the agent at a later time.
	b3 := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStart, 2*time.Minute))
	a3 := newAgent(b3, "main", hash)
	a3.CreatedAt = base.Add(time.Hour)
	finish(t, s, b3.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a3})
	got, err := s.GetAgentByTokenHash(ctx, hash)
	if err != nil {
		t.Fatalf("GetAgentByTokenHash: %v", err)
	}
	if got.ID != a3.ID {
		t.Errorf("GetAgentByTokenHash: got the agent of build %v, want the newest (build 3, %v)", got.BuildID, b3.ID)
	}

	// Build 4 records it at the same time as build 3: the higher build
	// number wins.
	b4 := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStart, 3*time.Minute))
	a4 := newAgent(b4, "main", hash)
	a4.CreatedAt = a3.CreatedAt
	finish(t, s, b4.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a4})
	got, err = s.GetAgentByTokenHash(ctx, hash)
	if err != nil {
		t.Fatalf("GetAgentByTokenHash: %v", err)
	}
	if got.ID != a4.ID {
		t.Errorf("GetAgentByTokenHash with equal times: got the agent of build %v, want build 4's (%v)", got.BuildID, b4.ID)
	}
	// Every build keeps its own row.
	for _, a := range []store.WorkspaceAgent{a1, a3, a4} {
		if diff := cmp.Diff(storedAgent(a), getAgent(t, s, a.ID)); diff != "" {
			t.Errorf("GetAgentByID mismatch (-want +got):\n%s", diff)
		}
	}
}

func testAgentLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a := newAgent(b, "main", []byte("h"))
	finish(t, s, b.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a})
	for _, state := range []string{sdk.LifecycleStarting, sdk.LifecycleReady} {
		if err := s.UpdateAgentLifecycle(ctx, a.ID, state); err != nil {
			t.Fatalf("UpdateAgentLifecycle(%q): %v", state, err)
		}
		want := storedAgent(a)
		want.LifecycleState = state
		if diff := cmp.Diff(want, getAgent(t, s, a.ID)); diff != "" {
			t.Errorf("after UpdateAgentLifecycle(%q) mismatch (-want +got):\n%s", state, diff)
		}
	}
}

func testAgentConnection(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a := newAgent(b, "main", []byte("h"))
	finish(t, s, b.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a})
	first, second := base.Add(time.Hour), base.Add(2*time.Hour)
	if err := s.UpdateAgentConnection(ctx, a.ID, first); err != nil {
		t.Fatalf("UpdateAgentConnection: %v", err)
	}
	if err := s.UpdateAgentConnection(ctx, a.ID, second); err != nil {
		t.Fatalf("UpdateAgentConnection: %v", err)
	}
	want := storedAgent(a)
	f1, f2 := stored(first), stored(second)
	want.FirstConnected, want.LastConnected = &f1, &f2
	if diff := cmp.Diff(want, getAgent(t, s, a.ID)); diff != "" {
		t.Errorf("after two connections mismatch (-want +got):\n%s", diff)
	}
}

func testAgentNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := AgentByID(ctx, s, uuid.New())
	wantErrIs(t, "GetAgentByID", err, store.ErrNotFound)
	_, err = s.GetAgentByTokenHash(ctx, []byte("nope"))
	wantErrIs(t, "GetAgentByTokenHash", err, store.ErrNotFound)
	wantErrIs(t, "UpdateAgentLifecycle", s.UpdateAgentLifecycle(ctx, uuid.New(), sdk.LifecycleReady), store.ErrNotFound)
	wantErrIs(t, "UpdateAgentConnection", s.UpdateAgentConnection(ctx, uuid.New(), base), store.ErrNotFound)
}
