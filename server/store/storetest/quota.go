package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/server/store"
)

var quotaTests = []test{
	{"Insert", testQuotaInsert},
	{"Update", testQuotaUpdate},
	{"ConcurrentInsertsCount", testQuotaConcurrentCount},
	{"ConcurrentInsertsBytes", testQuotaConcurrentBytes},
}

// sized returns a secret of owner with a value of size bytes and, if env is
// not "", an env target.
func sized(owner store.User, name string, size int, env string) store.Secret {
	sec := newSecret(owner.ID, name)
	sec.ValueSize, sec.EnvName, sec.Enabled = size, env, env != ""
	return sec
}

func testQuotaInsert(t *testing.T, s store.Store) {
	type existing struct {
		size int
		env  bool
	}
	tests := []struct {
		name     string
		existing []existing
		quota    store.Quota
		size     int
		env      bool
		want     *store.LimitError // nil: success
	}{
		{
			name:     "count at the limit",
			existing: []existing{{1, false}, {1, false}, {1, false}},
			quota:    store.Quota{MaxSecrets: 3},
			size:     1,
			want:     &store.LimitError{Limit: store.LimitSecrets, Max: 3, Would: 4},
		},
		{
			name:     "count below the limit",
			existing: []existing{{1, false}, {1, false}},
			quota:    store.Quota{MaxSecrets: 3},
			size:     1,
		},
		{
			name:     "total over",
			existing: []existing{{30, false}, {30, true}},
			quota:    store.Quota{MaxTotalBytes: 100},
			size:     41,
			want:     &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101},
		},
		{
			name:     "total exactly at the limit",
			existing: []existing{{30, false}, {30, true}},
			quota:    store.Quota{MaxTotalBytes: 100},
			size:     40,
		},
		{
			name:     "env over",
			existing: []existing{{30, true}, {40, false}},
			quota:    store.Quota{MaxEnvBytes: 50},
			size:     21,
			env:      true,
			want:     &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51},
		},
		{
			name:     "env bound ignores values without env",
			existing: []existing{{30, true}, {40, false}},
			quota:    store.Quota{MaxEnvBytes: 50},
			size:     21,
		},
		{
			name:     "env exactly at the limit",
			existing: []existing{{30, true}},
			quota:    store.Quota{MaxEnvBytes: 50},
			size:     20,
			env:      true,
		},
		{
			name:     "count is checked first",
			existing: []existing{{50, true}},
			quota:    store.Quota{MaxSecrets: 1, MaxTotalBytes: 10, MaxEnvBytes: 10},
			size:     50,
			env:      true,
			want:     &store.LimitError{Limit: store.LimitSecrets, Max: 1, Would: 2},
		},
		{
			name:     "total before env",
			existing: []existing{{50, true}},
			quota:    store.Quota{MaxTotalBytes: 10, MaxEnvBytes: 10},
			size:     50,
			env:      true,
			want:     &store.LimitError{Limit: store.LimitTotalBytes, Max: 10, Would: 100},
		},
		{
			name:     "zero quota means no bound",
			existing: []existing{{1 << 20, true}, {1 << 20, true}},
			quota:    store.Quota{},
			size:     1 << 20,
			env:      true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			owner, other := newUser(t, s), newUser(t, s)
			for i, e := range tt.existing {
				env := ""
				if e.env {
					env = fmt.Sprintf("E%d", i)
				}
				insert(t, s, sized(owner, fmt.Sprintf("existing%d", i), e.size, env))
			}
			// Another user's secrets never count.
			insert(t, s, sized(other, "big", 1<<20, "BIG"))
			env := ""
			if tt.env {
				env = "NEW"
			}
			before := auditCount(t, s)
			_, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: sized(owner, "new", tt.size, env), Quota: tt.quota, ActorID: owner.ID})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("InsertSecret: got %v, want success", err)
				}
				return
			}
			wantLimit(t, "InsertSecret", err, *tt.want)
			_, err = s.GetSecret(ctx, owner.ID, "new")
			wantErrIs(t, "GetSecret after a refused insert", err, store.ErrNotFound)
			if got := auditCount(t, s); got != before {
				t.Errorf("got %d audit entries after a refused insert, want %d", got, before)
			}
		})
	}
}

func testQuotaUpdate(t *testing.T, s store.Store) {
	quota := store.Quota{MaxSecrets: 2, MaxTotalBytes: 100, MaxEnvBytes: 50}
	tests := []struct {
		name   string
		target store.Secret // the secret to update, named "target"
		params store.UpdateSecretParams
		want   *store.LimitError
	}{
		{
			name:   "growing a value over the total",
			target: store.Secret{ValueSize: 10},
			params: store.UpdateSecretParams{Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 61},
			want:   &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101},
		},
		{
			name:   "growing a value to the total",
			target: store.Secret{ValueSize: 10},
			params: store.UpdateSecretParams{Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 60},
		},
		{
			name:   "growing an env value over the env bound",
			target: store.Secret{ValueSize: 5, EnvName: "T"},
			params: store.UpdateSecretParams{Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 11},
			want:   &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51},
		},
		{
			name:   "adding an env target to a big value",
			target: store.Secret{ValueSize: 11},
			params: store.UpdateSecretParams{EnvName: ptr("T"), Enabled: ptr(true)},
			want:   &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51},
		},
		{
			name:   "adding an env target and growing the value",
			target: store.Secret{ValueSize: 1},
			params: store.UpdateSecretParams{EnvName: ptr("T"), Enabled: ptr(true), Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 20},
			want:   &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 60},
		},
		{
			name:   "adding an env target to a value that fits",
			target: store.Secret{ValueSize: 10},
			params: store.UpdateSecretParams{EnvName: ptr("T"), Enabled: ptr(true)},
		},
		{
			name:   "a disabled secret's env value does not count",
			target: store.Secret{ValueSize: 11},
			params: store.UpdateSecretParams{EnvName: ptr("T")},
		},
		{
			name:   "a file target does not count as env",
			target: store.Secret{ValueSize: 31},
			params: store.UpdateSecretParams{FilePath: ptr("/t")},
		},
		{
			name:   "clearing the env target of a big value",
			target: store.Secret{ValueSize: 31, EnvName: "T"},
			params: store.UpdateSecretParams{EnvName: ptr(""), FilePath: ptr("/t")},
		},
		{
			name:   "enabling a big env value",
			target: store.Secret{ValueSize: 11},
			params: store.UpdateSecretParams{EnvName: ptr("T"), Enabled: ptr(true)},
			want:   &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51},
		},
		{
			name:   "the update does not count as a new secret",
			target: store.Secret{ValueSize: 1},
			params: store.UpdateSecretParams{Description: ptr("d")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			owner := newUser(t, s)
			// The neighbour holds 40 bytes with an env target: 60 bytes
			// of total and 10 of env room are left.
			insert(t, s, sized(owner, "neighbour", 40, "N"))
			target := sized(owner, "target", tt.target.ValueSize, tt.target.EnvName)
			// Insert without a quota: some cases start over a bound.
			insert(t, s, target)
			before := auditCount(t, s)

			p := tt.params
			p.OwnerID, p.Name, p.Quota, p.ActorID = owner.ID, "target", quota, owner.ID
			_, err := s.UpdateSecret(ctx, p)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("UpdateSecret: got %v, want success", err)
				}
				return
			}
			wantLimit(t, "UpdateSecret", err, *tt.want)
			got, err := SecretWithValue(ctx, s, owner.ID, "target")
			if err != nil {
				t.Fatalf("GetSecretWithValue: %v", err)
			}
			if diff := cmp.Diff(withValue(target), got); diff != "" {
				t.Errorf("secret changed by a refused update (-want +got):\n%s", diff)
			}
			if got := auditCount(t, s); got != before {
				t.Errorf("got %d audit entries after a refused update, want %d", got, before)
			}
		})
	}

	t.Run("over quota already: shrinking and editing still work", func(t *testing.T) {
		ctx := t.Context()
		owner := newUser(t, s)
		insert(t, s, sized(owner, "huge", 500, "HUGE")) // no quota when inserted
		tight := store.Quota{MaxSecrets: 1, MaxTotalBytes: 100, MaxEnvBytes: 50}
		steps := []store.UpdateSecretParams{
			{Description: ptr("still too big")},
			{Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 400},
			{FilePath: ptr("/huge")},
		}
		for i, p := range steps {
			p.OwnerID, p.Name, p.Quota = owner.ID, "huge", tight
			if _, err := s.UpdateSecret(ctx, p); err != nil {
				t.Errorf("step %d: UpdateSecret: got %v, want success", i, err)
			}
		}
		p := store.UpdateSecretParams{OwnerID: owner.ID, Name: "huge", Quota: tight, Ciphertext: []byte("c"), KeyID: "k1", ValueSize: 401}
		_, err := s.UpdateSecret(ctx, p)
		wantLimit(t, "growing while over quota", err, store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 401})
	})
}

// testQuotaConcurrentCount: a user at 45 of 50 secrets, 64 concurrent
// inserts: exactly 5 succeed and every failure is store.ErrLimit.
func testQuotaConcurrentCount(t *testing.T, s store.Store) {
	const (
		max       = 50
		existing  = 45
		attempts  = 64
		wantAdded = max - existing
	)
	owner := newUser(t, s)
	for i := range existing {
		insert(t, s, sized(owner, fmt.Sprintf("existing%02d", i), 1, ""))
	}
	quota := store.Quota{MaxSecrets: max}
	errs := runConcurrently(attempts, func(i int) error {
		_, err := s.InsertSecret(t.Context(), store.InsertSecretParams{
			Secret: sized(owner, fmt.Sprintf("new%02d", i), 1, ""), Quota: quota, ActorID: owner.ID,
		})
		return err
	})
	checkConcurrent(t, s, owner, errs, wantAdded, max)
}

// testQuotaConcurrentBytes: 20 concurrent inserts of 100 bytes under a
// 1000-byte env bound: exactly 10 succeed.
func testQuotaConcurrentBytes(t *testing.T, s store.Store) {
	const attempts = 20
	owner := newUser(t, s)
	quota := store.Quota{MaxSecrets: 50, MaxTotalBytes: 2000, MaxEnvBytes: 1000}
	errs := runConcurrently(attempts, func(i int) error {
		_, err := s.InsertSecret(t.Context(), store.InsertSecretParams{
			Secret: sized(owner, fmt.Sprintf("new%02d", i), 100, fmt.Sprintf("E%02d", i)), Quota: quota, ActorID: owner.ID,
		})
		return err
	})
	checkConcurrent(t, s, owner, errs, 10, 10)
}

// runConcurrently calls fn(0..n-1) in n goroutines released at once and
// returns their errors.
func runConcurrently(n int, fn func(i int) error) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func checkConcurrent(t *testing.T, s store.Store, owner store.User, errs []error, wantOK, wantRows int) {
	t.Helper()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrLimit):
			t.Errorf("insert %d: got error %v, want store.ErrLimit", i, err)
		}
	}
	if ok != wantOK {
		t.Errorf("got %d successful concurrent inserts, want %d", ok, wantOK)
	}
	list, err := s.ListSecrets(t.Context(), owner.ID)
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	if len(list) != wantRows {
		t.Errorf("got %d secrets after concurrent inserts, want %d", len(list), wantRows)
	}
}
