package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/usersecrets/coder/server/store"
)

// testPeer is one process's peers with what its handlers were told.
type testPeer struct {
	*peers
	mu     sync.Mutex
	heard  []string
	resets atomic.Int32
	// block, if set, holds every message until it is closed.
	block chan struct{}
}

func (tp *testPeer) messages() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]string(nil), tp.heard...)
}

// joinTest opens a pool of its own on the database (another process) and
// joins it, with a lease of lease.
func joinTest(t *testing.T, url string, lease time.Duration, block chan struct{}) *testPeer {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	tp := &testPeer{block: block}
	p, err := joinPeers(context.Background(), pool, store.PeerHandlers{
		Message: func(m string) {
			if tp.block != nil {
				<-tp.block
			}
			tp.mu.Lock()
			tp.heard = append(tp.heard, m)
			tp.mu.Unlock()
		},
		Reset: func() { tp.resets.Add(1) },
		Error: func(err error) { t.Logf("peer: %v", err) },
	}, lease, lease/5)
	if err != nil {
		t.Fatal(err)
	}
	tp.peers = p
	t.Cleanup(func() { _ = p.Close() })
	return tp
}

func waitLive(t *testing.T, ps ...*testPeer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range ps {
		for !p.Live() {
			if time.Now().After(deadline) {
				t.Fatal("a peer did not become live")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestPeersBroadcast checks that a broadcast is handled by every other
// process before it returns, and not by its sender.
func TestPeersBroadcast(t *testing.T) {
	_, url := open(t)
	a, b, c := joinTest(t, url, time.Second, nil), joinTest(t, url, time.Second, nil), joinTest(t, url, time.Second, nil)
	waitLive(t, a, b, c)
	for i, msg := range []string{"user 1", "key abc", "user 2"} {
		if err := a.Broadcast(context.Background(), msg); err != nil {
			t.Fatalf("Broadcast: %v", err)
		}
		for name, p := range map[string]*testPeer{"b": b, "c": c} {
			if got := p.messages(); len(got) != i+1 || got[i] != msg {
				t.Errorf("after broadcast %q, %s heard %q", msg, name, got)
			}
		}
	}
	if got := a.messages(); len(got) != 0 {
		t.Errorf("the sender heard its own broadcasts: %q", got)
	}
	// A process that left is not waited for.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Broadcast(context.Background(), "key x"); err != nil {
		t.Fatal(err)
	}
	if got := a.messages(); len(got) != 1 || got[0] != "key x" {
		t.Errorf("a heard %q", got)
	}
}

// TestPeersBroadcastOutlivesTheLease checks that a process that does not
// handle a broadcast is not live when the broadcast returns, and is live
// again only after it has handled it.
func TestPeersBroadcastOutlivesTheLease(t *testing.T) {
	_, url := open(t)
	block := make(chan struct{})
	a, b := joinTest(t, url, 600*time.Millisecond, nil), joinTest(t, url, 600*time.Millisecond, block)
	waitLive(t, a, b)
	if err := a.Broadcast(context.Background(), "user 1"); err != nil {
		t.Fatalf("Broadcast: %v", err)
	}
	if b.Live() {
		t.Fatal("the broadcast returned while a process that had not handled it was live")
	}
	if got := b.messages(); len(got) != 0 {
		t.Fatalf("b heard %q while blocked", got)
	}
	close(block)
	waitLive(t, b)
	if got := b.messages(); len(got) != 1 || got[0] != "user 1" {
		t.Errorf("b live again having heard %q, want the broadcast", got)
	}
}

// TestPeersCrashedProcess checks that the row of a process that never
// answers (it crashed) holds a broadcast only until the row expires.
func TestPeersCrashedProcess(t *testing.T) {
	s, url := open(t)
	a := joinTest(t, url, time.Second, nil)
	waitLive(t, a)
	if _, err := s.DB().Exec(`INSERT INTO server_peers (id, expires_at) VALUES (gen_random_uuid(), now() + interval '300 milliseconds')`); err != nil {
		t.Fatal(err)
	}
	var gone bool
	start := time.Now()
	if err := a.Broadcast(context.Background(), "user 1"); err != nil {
		t.Fatalf("Broadcast: %v", err)
	}
	// The row must have expired by the time the broadcast returned.
	if err := s.DB().QueryRow(`SELECT COUNT(*) = 0 FROM server_peers WHERE expires_at > now() AND id <> $1`, a.id).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	if !gone {
		t.Errorf("Broadcast returned after %v while the silent process's row was still current", time.Since(start))
	}
}

// TestPeersLostConnection checks that a process whose listening
// connection ends is not live, resets, and is live again on a new one.
func TestPeersLostConnection(t *testing.T) {
	s, url := open(t)
	a := joinTest(t, url, time.Second, nil)
	waitLive(t, a)
	if n := a.resets.Load(); n != 1 {
		t.Fatalf("resets before the loss: %d, want 1", n)
	}
	res, err := s.DB().Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("terminated %d listening connections, want 1", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.resets.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no reset after the listening connection ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitLive(t, a)
}

// TestErrorGate: while the database stays down, a failing loop reports
// its first error and then one per period, counting the held-back ones;
// a success starts a new run.
func TestErrorGate(t *testing.T) {
	g := errorGate{every: 10 * time.Second}
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	down := errors.New("connection refused")
	var reported []string
	for i := 0; i < 60; i++ { // 24 s of failures, every 400 ms
		if err := g.fail(t0.Add(time.Duration(i)*400*time.Millisecond), down); err != nil {
			if !errors.Is(err, down) {
				t.Fatalf("the gate lost the error: %v", err)
			}
			reported = append(reported, err.Error())
		}
	}
	want := []string{
		"connection refused",
		"connection refused (and 24 more failures in the last 10s)",
		"connection refused (and 24 more failures in the last 10s)",
	}
	if fmt.Sprint(reported) != fmt.Sprint(want) {
		t.Errorf("reported %q, want %q", reported, want)
	}
	g.ok()
	if err := g.fail(t0.Add(24500*time.Millisecond), down); err == nil || err.Error() != "connection refused" {
		t.Errorf("first failure after a success: %v, want it reported alone", err)
	}
}
