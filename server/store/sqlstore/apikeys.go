package sqlstore

import (
	"context"
	"fmt"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const apiKeyColumns = `id, hashed_secret, user_id, kind, expires_at, created_at`

// InsertAPIKey stores k. A duplicate id returns a *store.ConflictError with
// Field "id"; an unknown user store.ErrNotFound. A zero CreatedAt becomes
// now.
func (s *Store) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	err := s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, nonNilBytes(k.HashedSecret), k.UserID, k.Kind,
			secretwrite.Time(k.ExpiresAt), secretwrite.TimeOrNow(k.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	return nil
}

// GetAPIKey returns the key with id, or store.ErrNotFound. Expiry is the
// caller's business: an expired key is still returned.
func (s *Store) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	var k store.APIKey
	err := s.read().row(ctx, []any{&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, timeCol{&k.ExpiresAt}, timeCol{&k.CreatedAt}},
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get api key: %w", err)
	}
	k.HashedSecret = nilIfEmpty(k.HashedSecret)
	return k, nil
}

// DeleteAPIKey deletes the key with id; store.ErrNotFound if there is none.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	err := s.writeOne(ctx, func(c conn) error {
		n, err := c.execN(ctx, `DELETE FROM api_keys WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete api key: %w", err)
	}
	return nil
}
