package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const userColumns = `id, username, email, name, hashed_password, role, created_at, updated_at`

// InsertUser inserts u. Usernames and emails are unique regardless of case;
// a clash returns a *store.ConflictError with Field "username" or "email".
// A zero CreatedAt becomes now; a zero UpdatedAt becomes CreatedAt.
func (s *Store) InsertUser(ctx context.Context, u store.User) error {
	if err := requireID(u.ID, "user"); err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	if err := insertUser(ctx, s.pool, u); err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// InsertFirstUser inserts u only if the users table is empty. It locks the
// table against other inserts (SHARE ROW EXCLUSIVE, which leaves reads and
// row locks alone) before counting, so of concurrent calls, in any number
// of processes, exactly one succeeds; the others get a *store.ConflictError
// with Field "first_user".
func (s *Store) InsertFirstUser(ctx context.Context, u store.User) error {
	if err := requireID(u.ID, "user"); err != nil {
		return fmt.Errorf("insert first user: %w", err)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock users: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if exists {
			return &store.ConflictError{Field: "first_user"}
		}
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("insert first user: %w", err)
	}
	return nil
}

func insertUser(ctx context.Context, db dbtx, u store.User) error {
	created := secretwrite.TimeOrNow(u.CreatedAt)
	updated := created
	if !u.UpdatedAt.IsZero() {
		updated = secretwrite.Time(u.UpdatedAt)
	}
	_, err := db.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Username, u.Email, u.Name, nonNilBytes(u.HashedPassword), u.Role, created, updated)
	return mapErr(err)
}

// GetUserByID returns the user with id, or store.ErrNotFound.
func (s *Store) GetUserByID(ctx context.Context, id uuid.UUID) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by id: %w", err)
	}
	return u, nil
}

// GetUserByUsername returns the user whose username matches, ignoring case,
// or store.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(username) = lower($1)`, username))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by username: %w", err)
	}
	return u, nil
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return int(n), nil
}

// DeleteUser deletes a user; their API keys and secrets go with them (the
// audit log stays). It is not part of store.Store (the product has no user
// deletion yet); the conformance suite uses it to check the cascades.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete user: %w", store.ErrNotFound)
	}
	return nil
}

func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                store.User
		created, updated time.Time
	)
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, &created, &updated)
	if err != nil {
		return store.User{}, mapErr(err)
	}
	u.HashedPassword = nilIfEmpty(u.HashedPassword)
	u.CreatedAt, u.UpdatedAt = created.UTC(), updated.UTC()
	return u, nil
}
