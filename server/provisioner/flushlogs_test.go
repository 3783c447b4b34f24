package provisioner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// heldLogStore holds every insert of build log lines until release is
// closed, and gives up when its context ends first (as a database does).
type heldLogStore struct {
	store.WorkspaceStore
	entered chan struct{} // one value per insert begun
	release chan struct{}

	mu       sync.Mutex
	inFlight int
	overlap  bool
	stored   []string
}

func (s *heldLogStore) InsertBuildLogs(ctx context.Context, logs []store.BuildLog) error {
	s.mu.Lock()
	s.inFlight++
	s.overlap = s.overlap || s.inFlight > 1
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	s.entered <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range logs {
		s.stored = append(s.stored, l.Output)
	}
	return nil
}

// TestLogFlushesInOrderAndKept: while the half-second flusher's insert is
// under way, a full batch waits for it (two inserts at once can commit
// out of their ids' order, and a follower then skips the earlier batch),
// and stopping the flusher then does not cancel its insert (its lines have
// left the buffer: they were lost). Every line is stored, in order.
func TestLogFlushesInOrderAndKept(t *testing.T) {
	st := &heldLogStore{entered: make(chan struct{}, 100), release: make(chan struct{})}
	j := &job{p: &Provisioner{ws: st, o: Options{Logger: slog.New(slog.DiscardHandler)}}, build: store.WorkspaceBuild{ID: uuid.New()}}
	want := []string{"first"}
	j.log("init", "info", "first")
	stop := j.startLogFlusher(t.Context())
	select {
	case <-st.entered: // the flusher's tick took "first"
	case <-time.After(5 * time.Second):
		t.Fatal("the flusher did not flush within 5 s")
	}

	// A full batch meanwhile.
	fullDone := make(chan struct{})
	go func() {
		defer close(fullDone)
		for i := range 50 {
			line := fmt.Sprintf("line %d", i)
			j.log("apply", "info", line)
		}
	}()
	for i := range 50 {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	select {
	case <-st.entered:
		t.Error("a full batch was inserted while the flusher's insert was under way")
	case <-time.After(200 * time.Millisecond):
	}

	// Stop the flusher while its insert is held, then let the store go on.
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	time.Sleep(50 * time.Millisecond)
	close(st.release)
	<-stopped
	<-fullDone
	j.flushLogs(context.Background())

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.overlap {
		t.Error("two inserts of the build's log ran at once")
	}
	if len(st.stored) != len(want) {
		t.Fatalf("%d lines stored, want %d (first stored: %v)", len(st.stored), len(want), len(st.stored) > 0 && st.stored[0] == "first")
	}
	for i := range want {
		if st.stored[i] != want[i] {
			t.Fatalf("line %d stored as %q, want %q (out of order)", i, st.stored[i], want[i])
		}
	}
}
