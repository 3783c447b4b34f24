package storetest

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usersecrets/coder/server/store"
)

// clockAt is a clock stopped at t.
func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// testSecretUpdatedAtConcurrent runs many updates of one secret at once, all
// reading one clock that ticks a microsecond per read. The backend must read
// the clock inside its serialized write: then the update that returned the
// latest updated_at is the one that committed last, and the stored secret is
// exactly what it returned. (Taking the time before the lock let a slower
// write store an older time over a newer, acknowledged one.)
func testSecretUpdatedAtConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, newSecret(owner.ID, "s"))
	var ticks atomic.Int64
	clock := func() time.Time {
		t := base.Add(time.Duration(ticks.Add(1)) * time.Microsecond)
		runtime.Gosched() // let another writer run between the read and the write
		return t
	}

	const workers, each = 8, 5
	var mu sync.Mutex
	var latest store.Secret
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				d := fmt.Sprintf("writer %d, update %d", w, i)
				got, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "s", Description: &d, Now: clock, ActorID: owner.ID})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if got.UpdatedAt.After(latest.UpdatedAt) {
					latest = got
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("UpdateSecret: %v", err)
	}
	stored, err := s.GetSecret(ctx, owner.ID, "s")
	if err != nil {
		t.Fatal(err)
	}
	if !stored.UpdatedAt.Equal(latest.UpdatedAt) || stored.Description != latest.Description {
		t.Fatalf("got stored updated_at %s (%q), want the latest acknowledged %s (%q)",
			stored.UpdatedAt.Format(time.RFC3339Nano), stored.Description, latest.UpdatedAt.Format(time.RFC3339Nano), latest.Description)
	}
}

// testSecretUpdatedAtNeverGoesBack checks that an update whose clock is
// behind the stored updated_at (another server process, a clock step)
// keeps the stored time: updated_at never moves back.
func testSecretUpdatedAtNeverGoesBack(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	insert(t, s, newSecret(owner.ID, "s"))
	later := base.Add(time.Hour)
	cases := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"clock ahead", later, stored(later)},
		{"clock behind", base.Add(time.Minute), stored(later)},
		{"clock ahead again", later.Add(time.Second), stored(later.Add(time.Second))},
	}
	for _, tc := range cases {
		d := tc.name
		got, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "s", Description: &d, Now: clockAt(tc.now), ActorID: owner.ID})
		if err != nil {
			t.Fatalf("%s: UpdateSecret: %v", tc.name, err)
		}
		if !got.UpdatedAt.Equal(tc.want) {
			t.Errorf("%s: got returned updated_at %s, want %s", tc.name, got.UpdatedAt, tc.want)
		}
		st, err := s.GetSecret(ctx, owner.ID, "s")
		if err != nil {
			t.Fatal(err)
		}
		if !st.UpdatedAt.Equal(tc.want) || st.Description != d {
			t.Errorf("%s: got stored updated_at %s (%q), want %s (%q)", tc.name, st.UpdatedAt, st.Description, tc.want, d)
		}
	}
}
