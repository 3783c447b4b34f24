// Package storetest is the conformance suite every store.Store backend
// passes: sqlitestore and pgstore run it against a real SQLite file and a
// real PostgreSQL database.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// UserDeleter is implemented by backends that can delete a user (not part
// of store.Store yet). The suite uses it to check that a user's secrets, API
// keys and workspaces (with their builds, agents and logs) go with them;
// backends without it skip those tests.
type UserDeleter interface {
	DeleteUser(ctx context.Context, id uuid.UUID) error
}

// Run runs the conformance suite. newStore returns a new, empty store and
// closes it (with t.Cleanup) when t ends; it is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},
		{"APIKeys", apiKeyTests},
		{"APIKeyUser", apiKeyUserTests},
		{"AgentAuth", agentAuthTests},
		{"Secrets", secretTests},
		{"Enabled", enabledTests},
		{"Quota", quotaTests},
		{"Audit", auditTests},
		{"Keys", keyTests},
		{"Templates", templateTests},
		{"Workspaces", workspaceTests},
		{"Builds", buildTests},
		{"Logs", logTests},
		{"Agents", agentTests},
		{"StateKeys", stateKeyTests},
		{"AgentKeys", agentKeyTests},
		{"Apps", appTests},
		{"Parameters", parameterTests},
		{"BuildSecrets", buildSecretTests},
		{"Manifest", manifestTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.run(t, newStore(t))
				})
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// base is a time with nanoseconds in a zone other than UTC: stores keep
// microseconds and return UTC.
var base = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+1", 3600))

// stored is t as a store returns it.
func stored(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

var userSeq atomic.Int64

// newUser inserts a user with a unique username and email.
func newUser(t *testing.T, s store.Store) store.User {
	t.Helper()
	n := userSeq.Add(1)
	u := store.User{
		ID:             uuid.New(),
		Username:       fmt.Sprintf("user%d", n),
		Email:          fmt.Sprintf("user%d@example.com", n),
		Name:           "Some User",
		HashedPassword: []byte("hash"),
		Role:           "member",
		CreatedAt:      base,
		UpdatedAt:      base,
	}
	if err := s.InsertUser(t.Context(), u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	u.CreatedAt, u.UpdatedAt = stored(u.CreatedAt), stored(u.UpdatedAt)
	return u
}

// newSecret returns a secret of owner named name, with a 10-byte value
// sealed by key "k1" and no targets.
func newSecret(owner uuid.UUID, name string) store.Secret {
	return store.Secret{
		ID:         uuid.New(),
		OwnerID:    owner,
		Name:       name,
		ValueSize:  10,
		Ciphertext: []byte("ciphertext of " + name),
		KeyID:      "k1",
		ValueRev:   "rev of " + name,
		CreatedAt:  base,
	}
}

// insert stores sec with no quota and returns what InsertSecret returned.
func insert(t *testing.T, s store.Store, sec store.Secret) store.Secret {
	t.Helper()
	got, err := s.InsertSecret(t.Context(), store.InsertSecretParams{Secret: sec, ActorID: sec.OwnerID})
	if err != nil {
		t.Fatalf("InsertSecret(%q): %v", sec.Name, err)
	}
	return got
}

// meta is sec as the metadata methods return it.
func meta(sec store.Secret) store.Secret {
	sec.Ciphertext, sec.KeyID = nil, ""
	sec.CreatedAt = stored(sec.CreatedAt)
	if sec.UpdatedAt.IsZero() {
		sec.UpdatedAt = sec.CreatedAt
	}
	sec.UpdatedAt = stored(sec.UpdatedAt)
	return sec
}

// withValue is sec as the *WithValue methods return it.
func withValue(sec store.Secret) store.Secret {
	m := meta(sec)
	m.Ciphertext, m.KeyID = sec.Ciphertext, sec.KeyID
	return m
}

func ptr[T any](v T) *T { return &v }

// wantErrIs fails t unless errors.Is(err, target).
func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// wantConflict fails t unless err is a *store.ConflictError on field.
func wantConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: got error %v, want a *store.ConflictError on %q", what, err, field)
	}
	if ce.Field != field {
		t.Fatalf("%s: got conflict on %q, want %q", what, ce.Field, field)
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("%s: got an error that is not store.ErrConflict: %v", what, err)
	}
}

// wantLimit fails t unless err is a *store.LimitError equal to want.
func wantLimit(t *testing.T, what string, err error, want store.LimitError) {
	t.Helper()
	var le *store.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("%s: got error %v, want %v", what, err, &want)
	}
	if diff := cmp.Diff(want, *le); diff != "" {
		t.Fatalf("%s: limit error mismatch (-want +got):\n%s", what, diff)
	}
	if !errors.Is(err, store.ErrLimit) {
		t.Fatalf("%s: got an error that is not store.ErrLimit: %v", what, err)
	}
}

// auditCount returns the number of audit entries.
func auditCount(t *testing.T, s store.Store) int {
	t.Helper()
	entries, err := AuditEntries(t.Context(), s, 0)
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	return len(entries)
}
