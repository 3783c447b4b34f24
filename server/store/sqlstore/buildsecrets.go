package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

const buildSecretColumns = `build_id, workspace_id, name, env_name, file_path, ephemeral, set_build_number, value_size, created_at`

// insertBuildSecrets records b's build secrets in the transaction that
// inserts b, and erases the values of the workspace's earlier builds: only
// the latest build's secrets can still reach an agent (or be carried).
func insertBuildSecrets(ctx context.Context, c conn, b store.WorkspaceBuild) error {
	if _, err := c.exec(ctx, `UPDATE workspace_build_secrets SET value_ciphertext = ?, value_key_id = ''
		WHERE workspace_id = ? AND build_id <> ? AND value_key_id <> ''`, []byte{}, b.WorkspaceID, b.ID); err != nil {
		return err
	}
	for _, sec := range b.Secrets {
		if len(sec.Ciphertext) == 0 || sec.KeyID == "" {
			return fmt.Errorf("build secret %q is not sealed", sec.Name)
		}
		if err := c.insert(ctx, "workspace_build_secrets", buildSecretColumns+`, value_ciphertext, value_key_id`,
			b.ID, b.WorkspaceID, sec.Name, sec.EnvName, sec.FilePath, sec.Ephemeral, sec.SetBuildNumber, sec.ValueSize,
			storedTimeOrNow(sec.CreatedAt), sec.Ciphertext, sec.KeyID); err != nil {
			return err
		}
	}
	return nil
}

// checkSecretsBase refuses a build whose secrets were computed from a
// build that is no longer the workspace's latest.
func checkSecretsBase(ctx context.Context, c conn, b store.WorkspaceBuild) error {
	if b.SecretsBase == uuid.Nil {
		return nil
	}
	var latest uuid.UUID
	err := c.row(ctx, []any{&latest}, `SELECT id FROM workspace_builds WHERE workspace_id = ?
		ORDER BY build_number DESC LIMIT 1`, b.WorkspaceID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if latest != b.SecretsBase {
		return &store.ConflictError{Field: "build"}
	}
	return nil
}

func scanBuildSecret(withValue bool) func(Row) (store.BuildSecret, error) {
	return func(r Row) (store.BuildSecret, error) {
		var sec store.BuildSecret
		dest := []any{&sec.BuildID, &sec.WorkspaceID, &sec.Name, &sec.EnvName, &sec.FilePath, &sec.Ephemeral,
			&sec.SetBuildNumber, &sec.ValueSize, timeCol{&sec.CreatedAt}}
		if withValue {
			dest = append(dest, &sec.Ciphertext, &sec.KeyID)
		}
		if err := r.Scan(dest...); err != nil {
			return store.BuildSecret{}, err
		}
		sec.Ciphertext = nilIfEmpty(sec.Ciphertext)
		return sec, nil
	}
}

func (s *Store) listBuildSecrets(ctx context.Context, buildID uuid.UUID, withValue bool) ([]store.BuildSecret, error) {
	cols := buildSecretColumns
	if withValue {
		cols += `, value_ciphertext, value_key_id`
	}
	rows, err := all(ctx, s.read(), scanBuildSecret(withValue),
		`SELECT `+cols+` FROM workspace_build_secrets WHERE build_id = ? ORDER BY name`, buildID)
	if err != nil || len(rows) > 0 {
		return rows, err
	}
	if err := s.read().exists(ctx, `SELECT 1 FROM workspace_builds WHERE id = ?`, buildID); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return rows, nil
}

// ListBuildSecrets returns a build's secrets, metadata only.
func (s *Store) ListBuildSecrets(ctx context.Context, buildID uuid.UUID) (_ []store.BuildSecret, err error) {
	defer wrap(&err, "list build secrets")
	return s.listBuildSecrets(ctx, buildID, false)
}

// ListBuildSecretsWithValues returns a build's secrets with their sealed values.
func (s *Store) ListBuildSecretsWithValues(ctx context.Context, buildID uuid.UUID) (_ []store.BuildSecret, err error) {
	defer wrap(&err, "list build secrets with values")
	return s.listBuildSecrets(ctx, buildID, true)
}

// BuildSecretKeyIDs counts the build secret values each key id seals.
func (s *Store) BuildSecretKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "build secret key ids")
	return s.keyIDCounts(ctx, `SELECT value_key_id, COUNT(*) FROM workspace_build_secrets
		WHERE value_key_id <> '' GROUP BY value_key_id`)
}

// ListBuildSecretsByKeyID lists build secrets, with values, that keyID seals.
func (s *Store) ListBuildSecretsByKeyID(ctx context.Context, keyID string, limit int) (_ []store.BuildSecret, err error) {
	defer wrap(&err, "list build secrets by key id")
	if keyID == "" {
		return []store.BuildSecret{}, nil
	}
	return all(ctx, s.read(), scanBuildSecret(true), `SELECT `+buildSecretColumns+`, value_ciphertext, value_key_id
		FROM workspace_build_secrets WHERE value_key_id = ? ORDER BY build_id, name LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceBuildSecretCiphertext swaps one build secret's sealed value.
func (s *Store) ReplaceBuildSecretCiphertext(ctx context.Context, buildID uuid.UUID, name, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace build secret ciphertext")
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE workspace_build_secrets SET value_ciphertext = ?, value_key_id = ?
			WHERE build_id = ? AND name = ? AND value_key_id = ?`, nonNilBytes(ciphertext), newKeyID, buildID, name, oldKeyID)
		if err != nil || n == 1 {
			return err
		}
		if err := c.exists(ctx, `SELECT 1 FROM workspace_build_secrets WHERE build_id = ? AND name = ?`, buildID, name); err != nil {
			return err
		}
		return &store.ConflictError{Field: "key_id"}
	})
}
