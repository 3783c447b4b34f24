package sqlitestore

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// TestConnectionCap: 200 concurrent readers share at most maxConns
// connections, and the process holds no more than that many descriptors on
// the database file (it held one per concurrent request before the cap).
func TestConnectionCap(t *testing.T) {
	s, path := open(t)
	ctx := t.Context()
	u := store.User{ID: uuid.New(), Username: "capped", Email: "capped@example.com", HashedPassword: []byte("h"), Role: "member"}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		maxFDs  int
		errs    []error
		release = make(chan struct{})
	)
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			for range 20 {
				if _, err := s.GetUserByID(ctx, u.ID); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(release)
	for sampling := true; sampling; {
		select {
		case <-done:
			sampling = false
		default:
		}
		n := openFiles(t, path)
		mu.Lock()
		maxFDs = max(maxFDs, n)
		mu.Unlock()
	}
	if len(errs) > 0 {
		t.Fatalf("concurrent reads: %v", errs[0])
	}
	st := s.DB().Stats()
	if st.MaxOpenConnections != maxConns() {
		t.Errorf("MaxOpenConnections = %d, want %d", st.MaxOpenConnections, maxConns())
	}
	if st.OpenConnections > maxConns() {
		t.Errorf("OpenConnections = %d > cap %d", st.OpenConnections, maxConns())
	}
	if maxFDs > maxConns() {
		t.Errorf("at most %d descriptors open on %s, want ≤ %d (one per connection)", maxFDs, path, maxConns())
	}
	t.Logf("cap %d; at most %d descriptors on the database file; %d waits for a connection", maxConns(), maxFDs, st.WaitCount)
}

// openFiles counts this process's descriptors open on the file at path.
func openFiles(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	want, _ := filepath.EvalSymlinks(path)
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.TrimSuffix(target, " (deleted)") == want {
			n++
		}
	}
	return n
}
