package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const apiKeyColumns = `id, hashed_secret, user_id, kind, expires_at, created_at`

// InsertAPIKey stores k. A duplicate id returns a *store.ConflictError with
// Field "id"; an unknown user store.ErrNotFound. A zero CreatedAt becomes
// now.
func (s *Store) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, nonNilBytes(k.HashedSecret), k.UserID, k.Kind,
			toMicros(secretwrite.Time(k.ExpiresAt)), toMicros(secretwrite.TimeOrNow(k.CreatedAt)))
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	return nil
}

// GetAPIKey returns the key with id, or store.ErrNotFound. Expiry is the
// caller's business: an expired key is still returned.
func (s *Store) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	var (
		k                store.APIKey
		expires, created int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id).
		Scan(&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, &expires, &created)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get api key: %w", mapErr(err))
	}
	k.HashedSecret = nilIfEmpty(k.HashedSecret)
	k.ExpiresAt, k.CreatedAt = fromMicros(expires), fromMicros(created)
	return k, nil
}

// DeleteAPIKey deletes the key with id; store.ErrNotFound if there is none.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ?`, id)
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
		return fmt.Errorf("delete api key: %w", err)
	}
	return nil
}
