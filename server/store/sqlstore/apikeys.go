package sqlstore

import (
	"context"
	"fmt"

	"github.com/usersecrets/coder/server/store"
)

const apiKeyColumns = `id, hashed_secret, user_id, kind, expires_at, created_at`

// InsertAPIKey stores k.
func (s *Store) InsertAPIKey(ctx context.Context, k store.APIKey) (err error) {
	defer wrap(&err, "insert api key")
	return s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, nonNilBytes(k.HashedSecret), k.UserID, k.Kind,
			storedTime(k.ExpiresAt), storedTimeOrNow(k.CreatedAt))
		return err
	})
}

// GetAPIKey returns the key with id, expired or not.
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
func (s *Store) DeleteAPIKey(ctx context.Context, id string) (err error) {
	defer wrap(&err, "delete api key")
	return s.writeOne(ctx, func(c conn) error {
		n, err := c.exec(ctx, `DELETE FROM api_keys WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
}
