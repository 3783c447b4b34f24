package sqlstore

import (
	"context"
	"fmt"

	"github.com/usersecrets/coder/server/store"
)

// GetAPIKeyWithUser returns the key with id, expired or not, and its user,
// in one query (one round trip per authenticated request); store.ErrNotFound
// if there is no such key. A key's user cannot be missing: deleting a user
// deletes their keys.
func (s *Store) GetAPIKeyWithUser(ctx context.Context, id string) (store.APIKey, store.User, error) {
	var k store.APIKey
	var u store.User
	err := s.read().row(ctx, []any{
		&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, timeCol{&k.ExpiresAt}, timeCol{&k.CreatedAt},
		&u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt},
	}, `SELECT k.id, k.hashed_secret, k.user_id, k.kind, k.expires_at, k.created_at,
		u.id, u.username, u.email, u.name, u.hashed_password, u.role, u.created_at, u.updated_at
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, id)
	if err != nil {
		return store.APIKey{}, store.User{}, fmt.Errorf("get api key with user: %w", err)
	}
	k.HashedSecret = nilIfEmpty(k.HashedSecret)
	u.HashedPassword = nilIfEmpty(u.HashedPassword)
	return k, u, nil
}
