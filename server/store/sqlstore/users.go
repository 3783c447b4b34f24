package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

const userColumns = `id, username, email, name, hashed_password, role, created_at, updated_at`

func (s *Store) InsertUser(ctx context.Context, u store.User) (err error) {
	defer wrap(&err, "insert user")
	if err := requireID(u.ID, "user"); err != nil {
		return err
	}
	return s.writeOne(ctx, func(c conn) error { return insertUser(ctx, c, u) })
}

// InsertFirstUser counts the users and inserts u in one write transaction
// that first takes the dialect's LockUsers (PostgreSQL: SHARE ROW
// EXCLUSIVE, which leaves reads and row locks alone): of concurrent calls,
// in any number of processes, exactly one succeeds.
func (s *Store) InsertFirstUser(ctx context.Context, u store.User) (err error) {
	defer wrap(&err, "insert first user")
	if err := requireID(u.ID, "user"); err != nil {
		return err
	}
	return s.write(ctx, func(c conn) error {
		if s.d.LockUsers != "" {
			if _, err := c.exec(ctx, s.d.LockUsers); err != nil {
				return fmt.Errorf("lock users: %w", err)
			}
		}
		err := c.exists(ctx, `SELECT 1 FROM users LIMIT 1`)
		if err == nil {
			return &store.ConflictError{Field: "first_user"}
		}
		if ignoreNotFound(err) != nil {
			return fmt.Errorf("count users: %w", err)
		}
		return insertUser(ctx, c, u)
	})
}

func insertUser(ctx context.Context, c conn, u store.User) error {
	created, updated := createdUpdated(u.CreatedAt, u.UpdatedAt)
	return c.insert(ctx, "users", userColumns,
		u.ID, u.Username, u.Email, u.Name, nonNilBytes(u.HashedPassword), u.Role, created, updated)
}

func (s *Store) GetUserByID(ctx context.Context, id uuid.UUID) (_ store.User, err error) {
	defer wrap(&err, "get user by id")
	return s.getUser(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

func (s *Store) GetUserByUsername(ctx context.Context, username string) (_ store.User, err error) {
	defer wrap(&err, "get user by username")
	return s.getUser(ctx, `SELECT `+userColumns+` FROM users WHERE lower(username) = lower(?)`, username)
}

func (s *Store) CountUsers(ctx context.Context) (n int, err error) {
	defer wrap(&err, "count users")
	err = s.read().row(ctx, []any{&n}, `SELECT COUNT(*) FROM users`)
	return n, err
}

// DeleteUser deletes a user with their API keys, secrets and workspaces
// (builds, agents and logs too; the audit log stays). Not in store.Store
// (no user deletion yet): the conformance suite checks the cascades.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID) (err error) {
	defer wrap(&err, "delete user")
	return s.writeRow(ctx, `DELETE FROM users WHERE id = ?`, id)
}

func (s *Store) getUser(ctx context.Context, query string, arg any) (store.User, error) {
	return one(ctx, s.read(), func(r Row) (u store.User, err error) {
		err = r.Scan(&u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
		u.HashedPassword = nilIfEmpty(u.HashedPassword)
		return u, err
	}, query, arg)
}

const apiKeyColumns = `id, hashed_secret, user_id, kind, expires_at, created_at`

func (s *Store) InsertAPIKey(ctx context.Context, k store.APIKey) (err error) {
	defer wrap(&err, "insert api key")
	return s.writeOne(ctx, func(c conn) error {
		return c.insert(ctx, "api_keys", apiKeyColumns, k.ID, nonNilBytes(k.HashedSecret), k.UserID, k.Kind,
			storedTime(k.ExpiresAt), storedTimeOrNow(k.CreatedAt))
	})
}

func (s *Store) GetAPIKey(ctx context.Context, id string) (_ store.APIKey, err error) {
	defer wrap(&err, "get api key")
	return one(ctx, s.read(), func(r Row) (k store.APIKey, err error) {
		err = r.Scan(&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, timeCol{&k.ExpiresAt}, timeCol{&k.CreatedAt})
		k.HashedSecret = nilIfEmpty(k.HashedSecret)
		return k, err
	}, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
}

func (s *Store) DeleteAPIKey(ctx context.Context, id string) (err error) {
	defer wrap(&err, "delete api key")
	return s.writeRow(ctx, `DELETE FROM api_keys WHERE id = ?`, id)
}
