package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var logTests = []test{
	{"BuildLogs", testBuildLogs},
	{"AgentLogs", testAgentLogs},
	{"TextIsCleaned", testLogTextCleaned},
	{"UnknownParent", testLogsUnknownParent},
}

// logSeq makes each line's time distinct.
var logSeq atomic.Int64

func newBuildLog(buildID uuid.UUID, output string) store.BuildLog {
	at := base.Add(time.Duration(logSeq.Add(1)) * time.Millisecond)
	return store.BuildLog{BuildID: buildID, CreatedAt: at, Stage: "plan", Level: "info", Output: output}
}

func newAgentLog(agentID uuid.UUID, output string) store.AgentLog {
	at := base.Add(time.Duration(logSeq.Add(1)) * time.Millisecond)
	return store.AgentLog{AgentID: agentID, CreatedAt: at, Level: "info", Source: "startup_script", Output: output}
}

func insertBuildLogs(t *testing.T, s store.Store, logs ...store.BuildLog) {
	t.Helper()
	if err := s.InsertBuildLogs(t.Context(), logs); err != nil {
		t.Fatalf("InsertBuildLogs: %v", err)
	}
}

func insertAgentLogs(t *testing.T, s store.Store, logs ...store.AgentLog) {
	t.Helper()
	if err := s.InsertAgentLogs(t.Context(), logs); err != nil {
		t.Fatalf("InsertAgentLogs: %v", err)
	}
}

func listBuildLogs(t *testing.T, s store.Store, buildID uuid.UUID, after int64) []store.BuildLog {
	t.Helper()
	logs, err := s.ListBuildLogs(t.Context(), buildID, after)
	if err != nil {
		t.Fatalf("ListBuildLogs: %v", err)
	}
	return logs
}

func listAgentLogs(t *testing.T, s store.Store, agentID uuid.UUID, after int64) []store.AgentLog {
	t.Helper()
	logs, err := s.ListAgentLogs(t.Context(), agentID, after)
	if err != nil {
		t.Fatalf("ListAgentLogs: %v", err)
	}
	return logs
}

func testBuildLogs(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	_, b1 := f.create(t, s, "one", 0)
	_, b2 := f.create(t, s, "two", 0)
	if got := listBuildLogs(t, s, b1.ID, 0); len(got) != 0 {
		t.Errorf("ListBuildLogs before any line: got %d, want none", len(got))
	}
	insertBuildLogs(t, s, nil...) // nothing to do
	// Two builds' lines interleaved in one call, then more in another.
	batch1 := []store.BuildLog{newBuildLog(b1.ID, "1a"), newBuildLog(b2.ID, "2a"), newBuildLog(b1.ID, "1b"), newBuildLog(b1.ID, "1c")}
	insertBuildLogs(t, s, batch1...)
	batch2 := []store.BuildLog{newBuildLog(b2.ID, "2b"), newBuildLog(b1.ID, "1d")}
	insertBuildLogs(t, s, batch2...)

	got := listBuildLogs(t, s, b1.ID, 0)
	want := []store.BuildLog{batch1[0], batch1[2], batch1[3], batch2[1]}
	if len(got) != len(want) {
		t.Fatalf("ListBuildLogs: got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].ID, want[i].CreatedAt = got[i].ID, stored(want[i].CreatedAt)
		if i > 0 && got[i].ID <= got[i-1].ID {
			t.Errorf("line %d: got id %d after %d, want increasing ids", i, got[i].ID, got[i-1].ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListBuildLogs mismatch (-want +got):\n%s", diff)
	}
	// afterID skips what a follower already has.
	for i := range got {
		after := listBuildLogs(t, s, b1.ID, got[i].ID)
		if diff := cmp.Diff(got[i+1:], after); diff != "" {
			t.Errorf("ListBuildLogs after line %d mismatch (-want +got):\n%s", i, diff)
		}
	}
	var outputs []string
	for _, l := range listBuildLogs(t, s, b2.ID, 0) {
		outputs = append(outputs, l.Output)
	}
	if diff := cmp.Diff([]string{"2a", "2b"}, outputs); diff != "" {
		t.Errorf("the other build's lines mismatch (-want +got):\n%s", diff)
	}
}

func testAgentLogs(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a1, a2 := newAgent(b, "one", []byte("h1")), newAgent(b, "two", []byte("h2"))
	finish(t, s, b.ID, sdk.BuildSucceeded, nil, "", []store.WorkspaceAgent{a1, a2})
	insertAgentLogs(t, s, nil...)
	batch1 := []store.AgentLog{newAgentLog(a1.ID, "1a"), newAgentLog(a2.ID, "2a"), newAgentLog(a1.ID, "1b")}
	insertAgentLogs(t, s, batch1...)
	batch2 := []store.AgentLog{newAgentLog(a1.ID, "1c")}
	insertAgentLogs(t, s, batch2...)

	got := listAgentLogs(t, s, a1.ID, 0)
	want := []store.AgentLog{batch1[0], batch1[2], batch2[0]}
	if len(got) != len(want) {
		t.Fatalf("ListAgentLogs: got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].ID, want[i].CreatedAt = got[i].ID, stored(want[i].CreatedAt)
		if i > 0 && got[i].ID <= got[i-1].ID {
			t.Errorf("line %d: got id %d after %d, want increasing ids", i, got[i].ID, got[i-1].ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAgentLogs mismatch (-want +got):\n%s", diff)
	}
	for i := range got {
		after := listAgentLogs(t, s, a1.ID, got[i].ID)
		if diff := cmp.Diff(got[i+1:], after); diff != "" {
			t.Errorf("ListAgentLogs after line %d mismatch (-want +got):\n%s", i, diff)
		}
	}
	if other := listAgentLogs(t, s, a2.ID, 0); len(other) != 1 || other[0].Output != "2a" {
		t.Errorf("the other agent's lines: got %v, want just 2a", other)
	}
}

// testLogTextCleaned stores lines with NUL and invalid UTF-8 (a program's
// raw output): both backends store them, with those bytes as U+FFFD.
func testLogTextCleaned(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	a := newAgent(b, "main", []byte("h"))
	claimOne(t, s, b.ID, "w1")
	complete(t, s, store.CompleteBuildParams{
		BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, Error: "bad\x00byte\xff",
		Agents: []store.WorkspaceAgent{a},
	})
	insertBuildLogs(t, s, newBuildLog(b.ID, "nul\x00 and \xfe\xff"))
	insertAgentLogs(t, s, newAgentLog(a.ID, "nul\x00 and \xfe\xff"))
	const want = "nul\uFFFD and \uFFFD"
	if got := listBuildLogs(t, s, b.ID, 0); len(got) != 1 || got[0].Output != want {
		t.Errorf("ListBuildLogs: got %+v, want one line %q", got, want)
	}
	if got := listAgentLogs(t, s, a.ID, 0); len(got) != 1 || got[0].Output != want {
		t.Errorf("ListAgentLogs: got %+v, want one line %q", got, want)
	}
	got, err := s.GetBuild(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetBuild: %v", err)
	}
	if got.Error != "bad\uFFFDbyte\uFFFD" {
		t.Errorf("GetBuild: got error %q, want %q", got.Error, "bad\uFFFDbyte\uFFFD")
	}
}

func testLogsUnknownParent(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	// A batch with one unknown build stores nothing.
	err := s.InsertBuildLogs(ctx, []store.BuildLog{newBuildLog(b.ID, "kept?"), newBuildLog(uuid.New(), "x")})
	wantErrIs(t, "InsertBuildLogs for an unknown build", err, store.ErrNotFound)
	if got := listBuildLogs(t, s, b.ID, 0); len(got) != 0 {
		t.Errorf("ListBuildLogs after a refused batch: got %d lines, want none", len(got))
	}
	err = s.InsertAgentLogs(ctx, []store.AgentLog{newAgentLog(uuid.New(), "x")})
	wantErrIs(t, "InsertAgentLogs for an unknown agent", err, store.ErrNotFound)
	if got := listBuildLogs(t, s, uuid.New(), 0); len(got) != 0 {
		t.Errorf("ListBuildLogs of an unknown build: got %d, want none", len(got))
	}
	if got := listAgentLogs(t, s, uuid.New(), 0); len(got) != 0 {
		t.Errorf("ListAgentLogs of an unknown agent: got %d, want none", len(got))
	}
}
