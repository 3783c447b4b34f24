package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var userTests = []test{
	{"InsertAndGet", testUserInsertAndGet},
	{"Conflicts", testUserConflicts},
	{"NotFound", testUserNotFound},
	{"FirstUser", testFirstUser},
	{"FirstUserConcurrent", testFirstUserConcurrent},
	{"DeleteCascades", testDeleteUserCascades},
}

func testUserInsertAndGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := store.User{
		ID:             uuid.New(),
		Username:       "Alice",
		Email:          "alice@example.com",
		Name:           "Alice Liddell",
		HashedPassword: []byte{0, 1, 2, 0xff},
		Role:           "admin",
		CreatedAt:      base,
		UpdatedAt:      base.Add(time.Second),
	}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatalf("InsertUser: %v", err)
	}
	want := u
	want.CreatedAt, want.UpdatedAt = stored(u.CreatedAt), stored(u.UpdatedAt)

	got, err := s.GetUserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUserByID: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetUserByID mismatch (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("got CreatedAt in %v, want UTC", got.CreatedAt.Location())
	}
	for _, name := range []string{"Alice", "alice", "ALICE"} {
		got, err := s.GetUserByUsername(ctx, name)
		if err != nil {
			t.Fatalf("GetUserByUsername(%q): %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetUserByUsername(%q) mismatch (-want +got):\n%s", name, diff)
		}
	}
	n, err := s.CountUsers(ctx)
	if err != nil {
		t.Fatalf("CountUsers: %v", err)
	}
	if n != 1 {
		t.Errorf("CountUsers: got %d, want 1", n)
	}
}

func testUserConflicts(t *testing.T, s store.Store) {
	existing := newUser(t, s)
	tests := []struct {
		name  string
		edit  func(u *store.User)
		field string
	}{
		{"same username", func(u *store.User) { u.Username = existing.Username }, "username"},
		{"username differs in case", func(u *store.User) { u.Username = strings.ToUpper(existing.Username) }, "username"},
		{"same email", func(u *store.User) { u.Email = existing.Email }, "email"},
		{"email differs in case", func(u *store.User) { u.Email = strings.ToUpper(existing.Email) }, "email"},
		{"same id", func(u *store.User) { u.ID = existing.ID }, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := store.User{ID: uuid.New(), Username: "other", Email: "other@example.com", Role: "member", HashedPassword: []byte("h")}
			tt.edit(&u)
			wantConflict(t, "InsertUser", s.InsertUser(t.Context(), u), tt.field)
		})
	}
	n, err := s.CountUsers(t.Context())
	if err != nil {
		t.Fatalf("CountUsers: %v", err)
	}
	if n != 1 {
		t.Errorf("CountUsers after failed inserts: got %d, want 1", n)
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	newUser(t, s)
	_, err := s.GetUserByID(t.Context(), uuid.New())
	wantErrIs(t, "GetUserByID", err, store.ErrNotFound)
	_, err = s.GetUserByUsername(t.Context(), "nobody")
	wantErrIs(t, "GetUserByUsername", err, store.ErrNotFound)
}

func testFirstUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	n, err := s.CountUsers(ctx)
	if err != nil || n != 0 {
		t.Fatalf("CountUsers on a new store: got %d, %v, want 0, nil", n, err)
	}
	first := store.User{ID: uuid.New(), Username: "first", Email: "first@example.com", Role: "admin", HashedPassword: []byte("h")}
	if err := s.InsertFirstUser(ctx, first); err != nil {
		t.Fatalf("InsertFirstUser: %v", err)
	}
	second := store.User{ID: uuid.New(), Username: "second", Email: "second@example.com", Role: "admin", HashedPassword: []byte("h")}
	wantConflict(t, "second InsertFirstUser", s.InsertFirstUser(ctx, second), "first_user")
	if _, err := s.GetUserByID(ctx, second.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUserByID(second): got %v, want store.ErrNotFound", err)
	}
	if _, err := s.GetUserByID(ctx, first.ID); err != nil {
		t.Errorf("GetUserByID(first): %v", err)
	}
}

func testFirstUserConcurrent(t *testing.T, s store.Store) {
	const n = 16
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
			errs[i] = s.InsertFirstUser(t.Context(), store.User{
				ID:             uuid.New(),
				Username:       "admin" + string(rune('a'+i)),
				Email:          "admin" + string(rune('a'+i)) + "@example.com",
				Role:           "admin",
				HashedPassword: []byte("h"),
			})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantConflict(t, "InsertFirstUser #"+string(rune('a'+i)), err, "first_user")
	}
	if ok != 1 {
		t.Errorf("got %d successful concurrent InsertFirstUser calls, want 1", ok)
	}
	count, err := s.CountUsers(t.Context())
	if err != nil {
		t.Fatalf("CountUsers: %v", err)
	}
	if count != 1 {
		t.Errorf("CountUsers: got %d, want 1", count)
	}
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	d, ok := s.(UserDeleter)
	if !ok {
		t.Skip("backend has no DeleteUser")
	}
	ctx := t.Context()
	gone, kept := newUser(t, s), newUser(t, s)
	for _, u := range []store.User{gone, kept} {
		insert(t, s, newSecret(u.ID, "token"))
		if err := s.InsertAPIKey(ctx, store.APIKey{ID: "key-" + u.Username, HashedSecret: []byte("h"), UserID: u.ID, Kind: "token", ExpiresAt: base, CreatedAt: base}); err != nil {
			t.Fatalf("InsertAPIKey: %v", err)
		}
	}
	auditBefore := auditCount(t, s)

	if err := d.DeleteUser(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.GetSecret(ctx, gone.ID, "token")
	wantErrIs(t, "GetSecret of a deleted user", err, store.ErrNotFound)
	_, err = s.GetAPIKey(ctx, "key-"+gone.Username)
	wantErrIs(t, "GetAPIKey of a deleted user", err, store.ErrNotFound)
	if _, err := s.GetSecret(ctx, kept.ID, "token"); err != nil {
		t.Errorf("GetSecret of the other user: %v", err)
	}
	if _, err := s.GetAPIKey(ctx, "key-"+kept.Username); err != nil {
		t.Errorf("GetAPIKey of the other user: %v", err)
	}
	if got := auditCount(t, s); got != auditBefore {
		t.Errorf("got %d audit entries after DeleteUser, want %d (the log outlives users)", got, auditBefore)
	}
	wantErrIs(t, "DeleteUser again", d.DeleteUser(ctx, gone.ID), store.ErrNotFound)
}
