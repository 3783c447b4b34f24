package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const apiKeyColumns = `id, hashed_secret, user_id, kind, expires_at, created_at`

// InsertAPIKey stores k. A duplicate id returns a *store.ConflictError with
// Field "id"; an unknown user store.ErrNotFound. A zero CreatedAt becomes
// now.
func (s *Store) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, nonNilBytes(k.HashedSecret), k.UserID, k.Kind,
		secretwrite.Time(k.ExpiresAt), secretwrite.TimeOrNow(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert api key: %w", mapErr(err))
	}
	return nil
}

// GetAPIKey returns the key with id, or store.ErrNotFound. Expiry is the
// caller's business: an expired key is still returned.
func (s *Store) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	var (
		k                store.APIKey
		expires, created time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id).
		Scan(&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, &expires, &created)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get api key: %w", mapErr(err))
	}
	k.HashedSecret = nilIfEmpty(k.HashedSecret)
	k.ExpiresAt, k.CreatedAt = expires.UTC(), created.UTC()
	return k, nil
}

// DeleteAPIKey deletes the key with id; store.ErrNotFound if there is none.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_keys WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete api key: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete api key: %w", store.ErrNotFound)
	}
	return nil
}
