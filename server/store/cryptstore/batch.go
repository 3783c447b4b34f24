package cryptstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// InsertSecrets seals each secret's Value (bound to the owner and the
// secret's id, chosen here when zero) and stores the batch.
func (s *Store) InsertSecrets(ctx context.Context, p store.InsertSecretsParams) ([]store.Secret, error) {
	sealed := make([]store.Secret, len(p.Secrets))
	for i, sec := range p.Secrets {
		if sec.ID == uuid.Nil {
			sec.ID = uuid.New()
		}
		pt := sec.Value.Reveal()
		ct, keyID, err := s.keys.Seal([]byte(pt), secretcrypt.SecretAAD(p.OwnerID, sec.ID))
		if err != nil {
			return nil, fmt.Errorf("seal value: %w", err)
		}
		sec.Ciphertext, sec.KeyID, sec.ValueSize = ct, keyID, len(pt)
		sec.Value = ""
		sealed[i] = sec
	}
	p.Secrets = sealed
	return s.backend.InsertSecrets(ctx, p)
}
