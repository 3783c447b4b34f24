package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

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
	err := s.write(ctx, func(tx *sql.Tx) error {
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// InsertFirstUser inserts u only if the users table is empty. The check and
// the insert share one write transaction, so of concurrent calls exactly one
// succeeds; the others get a *store.ConflictError with Field "first_user".
func (s *Store) InsertFirstUser(ctx context.Context, u store.User) error {
	if err := requireID(u.ID, "user"); err != nil {
		return fmt.Errorf("insert first user: %w", err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		n, err := countUsers(ctx, tx)
		if err != nil {
			return err
		}
		if n > 0 {
			return &store.ConflictError{Field: "first_user"}
		}
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("insert first user: %w", err)
	}
	return nil
}

func insertUser(ctx context.Context, tx *sql.Tx, u store.User) error {
	created := secretwrite.TimeOrNow(u.CreatedAt)
	updated := created
	if !u.UpdatedAt.IsZero() {
		updated = secretwrite.Time(u.UpdatedAt)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.Email, u.Name, nonNilBytes(u.HashedPassword), u.Role,
		toMicros(created), toMicros(updated))
	return mapErr(err)
}

// GetUserByID returns the user with id, or store.ErrNotFound.
func (s *Store) GetUserByID(ctx context.Context, id uuid.UUID) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by id: %w", err)
	}
	return u, nil
}

// GetUserByUsername returns the user whose username matches, ignoring case,
// or store.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(username) = lower(?)`, username))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by username: %w", err)
	}
	return u, nil
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// DeleteUser deletes a user; their API keys and secrets go with them (the
// audit log stays). It is not part of store.Store (the product has no user
// deletion yet); the conformance suite uses it to check the cascades.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

func countUsers(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func scanUser(row *sql.Row) (store.User, error) {
	var (
		u                store.User
		created, updated int64
	)
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, &created, &updated)
	if err != nil {
		return store.User{}, mapErr(err)
	}
	u.HashedPassword = nilIfEmpty(u.HashedPassword)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, nil
}
