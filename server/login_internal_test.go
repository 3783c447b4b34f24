package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store/sqlitestore"
)

// TestLoginUnknownUserCostsABcrypt checks, by structure rather than by
// timing, that a login for an unknown username does the same work as a
// wrong password: exactly one bcrypt comparison, against a hash of the same
// cost as real users' hashes.
func TestLoginUnknownUserCostsABcrypt(t *testing.T) {
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "coder.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const cost = bcrypt.MinCost + 1 // not the default: the dummy must follow the option
	s, err := New(ctx, Options{Store: st, PasswordCost: cost})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.newUser(sdk.CreateUserRequest{Username: "known", Email: "k@example.com", Password: "the password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	var costs []int
	s.comparePassword = func(hash, password []byte) error {
		c, err := bcrypt.Cost(hash)
		if err != nil {
			t.Errorf("compared against a hash that is not bcrypt: %v", err)
		}
		costs = append(costs, c)
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	cases := []struct {
		name, username, password string
		status                   int
	}{
		{"unknown username", "nobody", "the password", http.StatusUnauthorized},
		{"wrong password", "known", "not it", http.StatusUnauthorized},
		{"right password", "known", "the password", http.StatusCreated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			costs = nil
			body := []byte(`{"username":"` + tc.username + `","password":"` + tc.password + `"}`)
			req := httptest.NewRequest("POST", "/api/v2/users/login", bytes.NewReader(body))
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("got status %d (%s), want %d", rec.Code, rec.Body, tc.status)
			}
			if diff := cmp.Diff([]int{cost}, costs); diff != "" {
				t.Fatalf("bcrypt comparisons by cost (-want +got):\n%s", diff)
			}
		})
	}
}
