package cryptstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// errErased is a build secret value erased because a newer build of the
// workspace was queued.
var errErased = errors.New("the value was erased when a newer build of the workspace was queued")

// sealBuildSecrets seals the plaintext Value of each of b's secrets, bound
// to the build (whose id is chosen here when zero) and the name.
func (s *Store) sealBuildSecrets(b store.WorkspaceBuild) (store.WorkspaceBuild, error) {
	if len(b.Secrets) == 0 {
		return b, nil
	}
	if b.ID == uuid.Nil {
		b.ID = uuid.New()
	}
	sealed := make([]store.BuildSecret, len(b.Secrets))
	for i, sec := range b.Secrets {
		pt := sec.Value.Reveal()
		ct, keyID, err := s.keys.Seal([]byte(pt), secretcrypt.BuildSecretAAD(b.ID, sec.Name))
		if err != nil {
			return b, fmt.Errorf("seal build secret: %w", err)
		}
		sec.Ciphertext, sec.KeyID, sec.ValueSize, sec.Value = ct, keyID, len(pt), ""
		sealed[i] = sec
	}
	b.Secrets = sealed
	return b, nil
}

// InsertBuild seals the build's secrets.
func (s *Store) InsertBuild(ctx context.Context, b store.WorkspaceBuild) (store.WorkspaceBuild, error) {
	b, err := s.sealBuildSecrets(b)
	if err != nil {
		return store.WorkspaceBuild{}, err
	}
	out, err := s.backend.InsertBuild(ctx, b)
	out.Secrets = nil
	return out, err
}

// InsertWorkspace seals the first build's secrets.
func (s *Store) InsertWorkspace(ctx context.Context, w store.Workspace, first store.WorkspaceBuild) (store.Workspace, store.WorkspaceBuild, error) {
	first, err := s.sealBuildSecrets(first)
	if err != nil {
		return store.Workspace{}, store.WorkspaceBuild{}, err
	}
	gw, gb, err := s.backend.InsertWorkspace(ctx, w, first)
	gb.Secrets = nil
	return gw, gb, err
}

// ListBuildSecretsWithValues opens each value (Value), or sets ValueErr
// (naming the secret, never holding a value); never a Ciphertext.
func (s *Store) ListBuildSecretsWithValues(ctx context.Context, buildID uuid.UUID) ([]store.BuildSecret, error) {
	rows, err := s.backend.ListBuildSecretsWithValues(ctx, buildID)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		ct := r.Ciphertext
		r.Ciphertext = nil
		if r.KeyID == "" {
			r.ValueErr = fmt.Errorf("build secret %s: %w", r.Name, errErased)
			continue
		}
		pt, err := s.keys.Open(ct, r.KeyID, secretcrypt.BuildSecretAAD(r.BuildID, r.Name))
		if err != nil {
			s.logger.Warn("a build secret's stored value does not open", "build_id", r.BuildID, "secret", r.Name, "key_id", r.KeyID)
			r.ValueErr = fmt.Errorf("open build secret %s: %w", r.Name, err)
			continue
		}
		r.Value = sdk.SecretValue(pt)
	}
	return rows, nil
}

// BuildSecretProblem says, for a workspace owner, why a build secret (one
// with ValueErr set) is left out.
func BuildSecretProblem(sec store.BuildSecret) string {
	return fmt.Sprintf("The stored value of build secret %q cannot be opened (its row or the server's keys were altered), so it is left out; give it again with the next build (`coder restart --secret`).", sec.Name)
}
