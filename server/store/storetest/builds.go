package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var buildTests = []test{
	{"Numbers", testBuildNumbers},
	{"ConflictWhilePendingOrRunning", testBuildConflict},
	{"InsertConcurrent", testBuildInsertConcurrent},
	{"ClaimOrder", testClaimOrder},
	{"ClaimConcurrent", func(t *testing.T, s store.Store) { ClaimConcurrently(t, []store.Store{s}, 20, 8) }},
	{"Heartbeat", testHeartbeat},
	{"CompleteSucceeded", testCompleteSucceeded},
	{"CompleteByWrongWorkerChangesNothing", testCompleteWrongWorker},
	{"FailedBuildKeepsState", testFailedBuildKeepsState},
	{"FailedWithoutStateKeepsOldState", testFailedWithoutState},
	{"FailStale", testFailStale},
	{"Cancel", testCancel},
}

// testCancel cancels a pending build (canceled at once, the workspace free
// for a new build), a running one (only the request is recorded until its
// worker completes it as canceled) and a finished one (unchanged).
func testCancel(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	at := base.Add(time.Hour)

	got, err := s.CancelBuild(ctx, first.ID, at)
	if err != nil {
		t.Fatalf("CancelBuild of a pending build: %v", err)
	}
	if got.Status != sdk.BuildCanceled || got.CompletedAt == nil || !got.CompletedAt.Equal(stored(at)) {
		t.Errorf("a canceled pending build: got status %q, completed %v; want canceled at %v", got.Status, got.CompletedAt, stored(at))
	}
	if _, err := s.ClaimBuild(ctx, "w1", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimBuild after the only pending build was canceled: got %v, want store.ErrNotFound", err)
	}

	second := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStart, time.Minute))
	claimOne(t, s, second.ID, "w1")
	if req, err := s.BuildCancelRequested(ctx, second.ID); err != nil || req {
		t.Errorf("BuildCancelRequested before any cancel: got %v, %v; want false", req, err)
	}
	got, err = s.CancelBuild(ctx, second.ID, at)
	if err != nil {
		t.Fatalf("CancelBuild of a running build: %v", err)
	}
	if got.Status != sdk.BuildRunning {
		t.Errorf("a running build after CancelBuild: got status %q, want running until its worker stops", got.Status)
	}
	if req, err := s.BuildCancelRequested(ctx, second.ID); err != nil || !req {
		t.Errorf("BuildCancelRequested after a cancel: got %v, %v; want true", req, err)
	}
	complete(t, s, store.CompleteBuildParams{BuildID: second.ID, WorkerID: "w1", Status: sdk.BuildCanceled, Error: "canceled"})
	if b := getBuild(t, s, second.ID); b.Status != sdk.BuildCanceled {
		t.Errorf("after the worker completed it: got status %q, want canceled", b.Status)
	}
	got, err = s.CancelBuild(ctx, second.ID, at.Add(time.Minute))
	if err != nil || got.Status != sdk.BuildCanceled || !got.CompletedAt.Equal(getBuild(t, s, second.ID).CompletedAt.UTC()) {
		t.Errorf("CancelBuild of a finished build: got %+v, %v; want it unchanged", got, err)
	}
	queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStop, 2*time.Minute))
	_, err = s.CancelBuild(ctx, uuid.New(), at)
	wantErrIs(t, "CancelBuild of an unknown build", err, store.ErrNotFound)
	_, err = s.BuildCancelRequested(ctx, uuid.New())
	wantErrIs(t, "BuildCancelRequested of an unknown build", err, store.ErrNotFound)
}

// queue inserts b with InsertBuild and returns what it returned.
func queue(t *testing.T, s store.Store, b store.WorkspaceBuild) store.WorkspaceBuild {
	t.Helper()
	got, err := s.InsertBuild(t.Context(), b)
	if err != nil {
		t.Fatalf("InsertBuild: %v", err)
	}
	return got
}

// claimOne claims the oldest pending build for worker and fails t unless it
// is build id.
func claimOne(t *testing.T, s store.Store, id uuid.UUID, worker string) store.WorkspaceBuild {
	t.Helper()
	b, err := s.ClaimBuild(t.Context(), worker, time.Now())
	if err != nil {
		t.Fatalf("ClaimBuild: %v", err)
	}
	if b.ID != id {
		t.Fatalf("ClaimBuild: got build %v, want %v", b.ID, id)
	}
	return b
}

func complete(t *testing.T, s store.Store, p store.CompleteBuildParams) {
	t.Helper()
	if err := s.CompleteBuild(t.Context(), p); err != nil {
		t.Fatalf("CompleteBuild: %v", err)
	}
}

// finish claims build id (which must be the oldest pending one) and
// completes it with status, state and agents.
func finish(t *testing.T, s store.Store, id uuid.UUID, status string, state []byte, keyID string, agents []store.WorkspaceAgent) {
	t.Helper()
	claimOne(t, s, id, "finisher")
	complete(t, s, store.CompleteBuildParams{
		BuildID: id, WorkerID: "finisher", Status: status, State: state, StateKeyID: keyID,
		Agents: agents, CompletedAt: time.Now(),
	})
}

func getBuild(t *testing.T, s store.Store, id uuid.UUID) store.WorkspaceBuild {
	t.Helper()
	b, err := s.GetBuild(t.Context(), id)
	if err != nil {
		t.Fatalf("GetBuild: %v", err)
	}
	return b
}

func testBuildNumbers(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	other, _ := f.create(t, s, "other", time.Second) // queued after dev's first build
	finish(t, s, first.ID, sdk.BuildSucceeded, nil, "", nil)

	var last store.WorkspaceBuild
	for i, tr := range []string{sdk.TransitionStop, sdk.TransitionStart, sdk.TransitionStop} {
		b := f.newBuildFor(w.ID, tr, time.Duration(i+1)*time.Minute)
		b.Status = "" // pending by default
		got := queue(t, s, b)
		want := storedBuild(b, w.ID, i+2)
		want.Status = sdk.BuildPending
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("InsertBuild #%d mismatch (-want +got):\n%s", i+2, diff)
		}
		if diff := cmp.Diff(want, getBuild(t, s, b.ID)); diff != "" {
			t.Errorf("GetBuild #%d mismatch (-want +got):\n%s", i+2, diff)
		}
		// The other workspace's pending first build is older: claim it
		// first, once.
		if i == 0 {
			claimed, err := s.ClaimBuild(ctx, "w", time.Now())
			if err != nil || claimed.WorkspaceID != other.ID {
				t.Fatalf("ClaimBuild: got %v, %v, want the other workspace's build", claimed.WorkspaceID, err)
			}
		}
		finish(t, s, b.ID, sdk.BuildSucceeded, nil, "", nil)
		last = want
	}
	latest, err := s.GetLatestBuild(ctx, w.ID)
	if err != nil {
		t.Fatalf("GetLatestBuild: %v", err)
	}
	if latest.ID != last.ID || latest.BuildNumber != 4 {
		t.Errorf("GetLatestBuild: got build %d (%v), want 4 (%v)", latest.BuildNumber, latest.ID, last.ID)
	}
	// The other workspace numbers its builds on its own.
	if b, err := s.GetLatestBuild(ctx, other.ID); err != nil || b.BuildNumber != 1 {
		t.Errorf("GetLatestBuild of the other workspace: got number %d, %v, want 1", b.BuildNumber, err)
	}
	_, err = s.InsertBuild(ctx, f.newBuildFor(uuid.New(), sdk.TransitionStart, 0))
	wantErrIs(t, "InsertBuild for an unknown workspace", err, store.ErrNotFound)
}

func testBuildConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)

	next := f.newBuildFor(w.ID, sdk.TransitionStop, time.Minute)
	_, err := s.InsertBuild(ctx, next)
	wantConflict(t, "InsertBuild while the first build is pending", err, "build")
	claimOne(t, s, first.ID, "w1")
	_, err = s.InsertBuild(ctx, next)
	wantConflict(t, "InsertBuild while the first build is running", err, "build")
	if _, err := s.GetBuild(ctx, next.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetBuild of a refused build: got %v, want store.ErrNotFound", err)
	}
	complete(t, s, store.CompleteBuildParams{BuildID: first.ID, WorkerID: "w1", Status: sdk.BuildFailed, Error: "boom"})
	got := queue(t, s, next)
	if got.BuildNumber != 2 {
		t.Errorf("InsertBuild after the first failed: got number %d, want 2", got.BuildNumber)
	}
}

// testBuildInsertConcurrent queues builds for one idle workspace from many
// goroutines at once: exactly one is queued.
func testBuildInsertConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	finish(t, s, first.ID, sdk.BuildSucceeded, nil, "", nil)
	const n = 8
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		won, lost atomic.Int32
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.InsertBuild(ctx, f.newBuildFor(w.ID, sdk.TransitionStop, time.Minute))
			var ce *store.ConflictError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &ce) && ce.Field == "build":
				lost.Add(1)
			default:
				t.Errorf("InsertBuild: got %v, want success or a conflict on build", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if won.Load() != 1 || lost.Load() != n-1 {
		t.Errorf("concurrent InsertBuild: got %d queued and %d conflicts, want 1 and %d", won.Load(), lost.Load(), n-1)
	}
	if b, err := s.GetLatestBuild(ctx, w.ID); err != nil || b.BuildNumber != 2 {
		t.Errorf("GetLatestBuild: got number %d, %v, want 2", b.BuildNumber, err)
	}
}

func testClaimOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, err := s.ClaimBuild(ctx, "w", time.Now())
	wantErrIs(t, "ClaimBuild with nothing queued", err, store.ErrNotFound)

	// Created at 3, 1, 2 minutes; two more at the same instant (by id).
	var want []store.WorkspaceBuild
	for i, offset := range []time.Duration{3, 1, 2} {
		_, b := f.create(t, s, fmt.Sprintf("ws%d", i), offset*time.Minute)
		want = append(want, b)
	}
	_, tieA := f.create(t, s, "tieA", 4*time.Minute)
	_, tieB := f.create(t, s, "tieB", 4*time.Minute)
	if tieB.ID.String() < tieA.ID.String() {
		tieA, tieB = tieB, tieA
	}
	order := []store.WorkspaceBuild{want[1], want[2], want[0], tieA, tieB}

	now := base.Add(time.Hour)
	for i, b := range order {
		worker := fmt.Sprintf("worker%d", i)
		got, err := s.ClaimBuild(ctx, worker, now)
		if err != nil {
			t.Fatalf("ClaimBuild #%d: %v", i, err)
		}
		wantB := b
		wantB.Status, wantB.WorkerID = sdk.BuildRunning, worker
		at := stored(now)
		wantB.StartedAt, wantB.HeartbeatAt = &at, &at
		if diff := cmp.Diff(wantB, got); diff != "" {
			t.Errorf("ClaimBuild #%d mismatch (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(wantB, getBuild(t, s, b.ID)); diff != "" {
			t.Errorf("GetBuild after ClaimBuild #%d mismatch (-want +got):\n%s", i, diff)
		}
	}
	_, err = s.ClaimBuild(ctx, "w", now)
	wantErrIs(t, "ClaimBuild with everything claimed", err, store.ErrNotFound)
}

// ClaimConcurrently queues builds pending builds (through stores[0]), then
// claims them from workers goroutines at once, goroutine i through
// stores[i%len(stores)], each until ClaimBuild returns store.ErrNotFound. It
// fails t unless every build is claimed exactly once and is then running
// under the worker that claimed it. Pass several stores on one database to
// check that several server processes never claim one build twice.
func ClaimConcurrently(t *testing.T, stores []store.Store, builds, workers int) {
	t.Helper()
	ctx := t.Context()
	s := stores[0]
	f := newFixture(t, s)
	queued := map[uuid.UUID]bool{}
	for i := range builds {
		_, b := f.create(t, s, fmt.Sprintf("ws%d", i), time.Duration(i)*time.Millisecond)
		queued[b.ID] = true
	}

	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		mu     sync.Mutex
		claims = map[uuid.UUID][]string{}
	)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker := fmt.Sprintf("worker%d", i)
			st := stores[i%len(stores)]
			<-start
			for {
				b, err := st.ClaimBuild(ctx, worker, time.Now())
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("%s: ClaimBuild: %v", worker, err)
					return
				}
				if b.WorkerID != worker || b.Status != sdk.BuildRunning {
					t.Errorf("%s: ClaimBuild returned worker %q status %q, want %q running", worker, b.WorkerID, b.Status, worker)
				}
				mu.Lock()
				claims[b.ID] = append(claims[b.ID], worker)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()

	for id, by := range claims {
		if !queued[id] {
			t.Errorf("claimed build %v, which was never queued", id)
		}
		if len(by) != 1 {
			t.Errorf("build %v claimed %d times (by %v), want once", id, len(by), by)
		}
	}
	for id := range queued {
		by, ok := claims[id]
		if !ok {
			t.Errorf("build %v never claimed, want every queued build claimed", id)
			continue
		}
		b := getBuild(t, s, id)
		if b.Status != sdk.BuildRunning || b.WorkerID != by[len(by)-1] {
			t.Errorf("build %v: got status %q worker %q, want running under %q", id, b.Status, b.WorkerID, by[len(by)-1])
		}
	}
	if len(claims) != builds {
		t.Errorf("got %d builds claimed, want %d", len(claims), builds)
	}
}

func testHeartbeat(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	_, b := f.create(t, s, "dev", 0)
	claimOne(t, s, b.ID, "w1")
	at := base.Add(time.Hour)
	if err := s.HeartbeatBuild(ctx, b.ID, "w1", at); err != nil {
		t.Fatalf("HeartbeatBuild: %v", err)
	}
	got := getBuild(t, s, b.ID)
	if got.HeartbeatAt == nil || !got.HeartbeatAt.Equal(stored(at)) {
		t.Errorf("got HeartbeatAt %v, want %v", got.HeartbeatAt, stored(at))
	}
	wantConflict(t, "HeartbeatBuild by another worker", s.HeartbeatBuild(ctx, b.ID, "w2", at.Add(time.Minute)), "build")
	if got2 := getBuild(t, s, b.ID); !got2.HeartbeatAt.Equal(stored(at)) {
		t.Errorf("a refused heartbeat changed HeartbeatAt to %v, want %v", got2.HeartbeatAt, stored(at))
	}
	complete(t, s, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded})
	wantConflict(t, "HeartbeatBuild of a completed build", s.HeartbeatBuild(ctx, b.ID, "w1", at), "build")
	wantErrIs(t, "HeartbeatBuild of an unknown build", s.HeartbeatBuild(ctx, uuid.New(), "w1", at), store.ErrNotFound)
}

func testCompleteSucceeded(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, b := f.create(t, s, "dev", 0)
	claimed := claimOne(t, s, b.ID, "w1")
	at := base.Add(time.Hour)
	agents := []store.WorkspaceAgent{newAgent(b, "main", []byte("token hash"))}
	complete(t, s, store.CompleteBuildParams{
		BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, State: []byte("state v1"), StateKeyID: "k1",
		Agents: agents, CompletedAt: at,
	})
	want := claimed
	want.Status = sdk.BuildSucceeded
	completedAt := stored(at)
	want.CompletedAt = &completedAt
	if diff := cmp.Diff(want, getBuild(t, s, b.ID)); diff != "" {
		t.Errorf("GetBuild after CompleteBuild mismatch (-want +got):\n%s", diff)
	}
	wantW := w
	wantW.UpdatedAt = stored(at)
	if diff := cmp.Diff(wantW, getWorkspace(t, s, w.ID)); diff != "" {
		t.Errorf("GetWorkspaceByID after CompleteBuild mismatch (-want +got):\n%s", diff)
	}
	ct, keyID, err := s.GetWorkspaceState(ctx, w.ID)
	if err != nil || string(ct) != "state v1" || keyID != "k1" {
		t.Errorf("GetWorkspaceState: got (%q, %q, %v), want (%q, %q)", ct, keyID, err, "state v1", "k1")
	}
	got, err := s.ListAgentsByBuild(ctx, b.ID)
	if err != nil {
		t.Fatalf("ListAgentsByBuild: %v", err)
	}
	if diff := cmp.Diff([]store.WorkspaceAgent{storedAgent(agents[0])}, got); diff != "" {
		t.Errorf("ListAgentsByBuild mismatch (-want +got):\n%s", diff)
	}
	// Completing again, by anyone, is refused.
	err = s.CompleteBuild(ctx, store.CompleteBuildParams{BuildID: b.ID, WorkerID: "w1", Status: sdk.BuildFailed})
	wantConflict(t, "CompleteBuild of a completed build", err, "build")
	err = s.CompleteBuild(ctx, store.CompleteBuildParams{BuildID: uuid.New(), WorkerID: "w1", Status: sdk.BuildFailed})
	wantErrIs(t, "CompleteBuild of an unknown build", err, store.ErrNotFound)
}

// testCompleteWrongWorker completes a build that is pending, or running
// under another worker: refused, and nothing changes.
func testCompleteWrongWorker(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	finish(t, s, first.ID, sdk.BuildSucceeded, []byte("state v1"), "k1", nil)
	del := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionDelete, time.Minute))
	wBefore := getWorkspace(t, s, w.ID)

	p := store.CompleteBuildParams{
		BuildID: del.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, State: []byte("state v2"), StateKeyID: "k2",
		Agents: []store.WorkspaceAgent{newAgent(del, "main", []byte("hash"))}, CompletedAt: base.Add(time.Hour),
	}
	wantConflict(t, "CompleteBuild of a pending build", s.CompleteBuild(ctx, p), "build")
	running := claimOne(t, s, del.ID, "w1")
	p.WorkerID = "w2"
	wantConflict(t, "CompleteBuild by the wrong worker", s.CompleteBuild(ctx, p), "build")

	if diff := cmp.Diff(running, getBuild(t, s, del.ID)); diff != "" {
		t.Errorf("build after a refused CompleteBuild mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wBefore, getWorkspace(t, s, w.ID)); diff != "" {
		t.Errorf("workspace after a refused CompleteBuild mismatch (-want +got):\n%s", diff)
	}
	if ct, keyID, err := s.GetWorkspaceState(ctx, w.ID); err != nil || string(ct) != "state v1" || keyID != "k1" {
		t.Errorf("state after a refused CompleteBuild: got (%q, %q, %v), want (%q, %q)", ct, keyID, err, "state v1", "k1")
	}
	if agents, err := s.ListAgentsByBuild(ctx, del.ID); err != nil || len(agents) != 0 {
		t.Errorf("agents after a refused CompleteBuild: got %d, %v, want none", len(agents), err)
	}
	_, err := s.GetAgentByTokenHash(ctx, []byte("hash"))
	wantErrIs(t, "GetAgentByTokenHash after a refused CompleteBuild", err, store.ErrNotFound)
	if _, err := s.GetWorkspaceByOwnerAndName(ctx, f.owner.ID, "dev"); err != nil {
		t.Errorf("GetWorkspaceByOwnerAndName after a refused delete: %v (want the workspace still live)", err)
	}

	// The rightful worker still can.
	p.WorkerID = "w1"
	complete(t, s, p)
	if !getWorkspace(t, s, w.ID).Deleted {
		t.Errorf("got a live workspace after its delete build succeeded, want it deleted")
	}
}

// testFailedBuildKeepsState fails a delete build that changed the state:
// the new state is kept, no agent is recorded, the workspace stays live.
func testFailedBuildKeepsState(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	finish(t, s, first.ID, sdk.BuildSucceeded, []byte("state v1"), "k1", nil)
	del := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionDelete, time.Minute))
	claimOne(t, s, del.ID, "w1")
	at := base.Add(time.Hour)
	complete(t, s, store.CompleteBuildParams{
		BuildID: del.ID, WorkerID: "w1", Status: sdk.BuildFailed, Error: "apply failed halfway",
		State: []byte("state v2"), StateKeyID: "k2",
		Agents: []store.WorkspaceAgent{newAgent(del, "main", []byte("hash"))}, CompletedAt: at,
	})
	got := getBuild(t, s, del.ID)
	if got.Status != sdk.BuildFailed || got.Error != "apply failed halfway" || got.CompletedAt == nil || !got.CompletedAt.Equal(stored(at)) {
		t.Errorf("failed build: got status %q error %q completed %v, want failed, the error, %v", got.Status, got.Error, got.CompletedAt, stored(at))
	}
	if ct, keyID, err := s.GetWorkspaceState(ctx, w.ID); err != nil || string(ct) != "state v2" || keyID != "k2" {
		t.Errorf("state after a failed build: got (%q, %q, %v), want the new one (%q, %q)", ct, keyID, err, "state v2", "k2")
	}
	if agents, err := s.ListAgentsByBuild(ctx, del.ID); err != nil || len(agents) != 0 {
		t.Errorf("agents of a failed build: got %d, %v, want none", len(agents), err)
	}
	ws := getWorkspace(t, s, w.ID)
	if ws.Deleted {
		t.Errorf("got a deleted workspace after its delete build failed, want it live")
	}
	if !ws.UpdatedAt.Equal(stored(at)) {
		t.Errorf("got workspace UpdatedAt %v, want the completion time %v", ws.UpdatedAt, stored(at))
	}
}

func testFailedWithoutState(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	w, first := f.create(t, s, "dev", 0)
	finish(t, s, first.ID, sdk.BuildSucceeded, []byte("state v1"), "k1", nil)
	next := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStop, time.Minute))
	finish(t, s, next.ID, sdk.BuildFailed, nil, "", nil)
	if ct, keyID, err := s.GetWorkspaceState(ctx, w.ID); err != nil || string(ct) != "state v1" || keyID != "k1" {
		t.Errorf("state after a failed build without one: got (%q, %q, %v), want the old one (%q, %q)", ct, keyID, err, "state v1", "k1")
	}
	// A success without a state leaves it alone too.
	again := queue(t, s, f.newBuildFor(w.ID, sdk.TransitionStop, 2*time.Minute))
	finish(t, s, again.ID, sdk.BuildSucceeded, nil, "", nil)
	if ct, _, err := s.GetWorkspaceState(ctx, w.ID); err != nil || string(ct) != "state v1" {
		t.Errorf("state after a successful build without one: got (%q, %v), want the old one %q", ct, err, "state v1")
	}
}

func testFailStale(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	t0 := base.Add(time.Hour)
	_, stale := f.create(t, s, "stale", 0)
	_, fresh := f.create(t, s, "fresh", time.Second)
	_, pending := f.create(t, s, "pending", 2*time.Second)
	claimOne(t, s, stale.ID, "w1")
	claimOne(t, s, fresh.ID, "w2")
	if err := s.HeartbeatBuild(ctx, stale.ID, "w1", t0); err != nil {
		t.Fatalf("HeartbeatBuild: %v", err)
	}
	if err := s.HeartbeatBuild(ctx, fresh.ID, "w2", t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("HeartbeatBuild: %v", err)
	}

	before := time.Now()
	n, err := s.FailStaleBuilds(ctx, t0.Add(time.Minute), "the server stopped")
	if err != nil {
		t.Fatalf("FailStaleBuilds: %v", err)
	}
	if n != 1 {
		t.Errorf("FailStaleBuilds: got %d, want 1", n)
	}
	got := getBuild(t, s, stale.ID)
	if got.Status != sdk.BuildFailed || got.Error != "the server stopped" {
		t.Errorf("stale build: got status %q error %q, want failed with the reason", got.Status, got.Error)
	}
	if got.CompletedAt == nil || got.CompletedAt.Before(before.Add(-time.Second)) {
		t.Errorf("stale build: got CompletedAt %v, want about now (%v)", got.CompletedAt, before)
	}
	if b := getBuild(t, s, fresh.ID); b.Status != sdk.BuildRunning {
		t.Errorf("fresh build: got status %q, want running", b.Status)
	}
	if b := getBuild(t, s, pending.ID); b.Status != sdk.BuildPending {
		t.Errorf("pending build: got status %q, want pending", b.Status)
	}
	// Its worker can no longer report on it.
	wantConflict(t, "HeartbeatBuild of a failed stale build", s.HeartbeatBuild(ctx, stale.ID, "w1", t0), "build")
	err = s.CompleteBuild(ctx, store.CompleteBuildParams{BuildID: stale.ID, WorkerID: "w1", Status: sdk.BuildSucceeded, State: []byte("late")})
	wantConflict(t, "CompleteBuild of a failed stale build", err, "build")
	if n, err := s.FailStaleBuilds(ctx, t0.Add(time.Minute), "again"); err != nil || n != 0 {
		t.Errorf("FailStaleBuilds again: got %d, %v, want 0", n, err)
	}
}
