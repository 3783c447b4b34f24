package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// Column lists. secretMetaColumns never includes value_ciphertext: every
// query that returns metadata only selects exactly these.
const (
	secretMetaColumns  = `id, owner_id, name, description, env_name, file_path, value_size, created_at, updated_at, enabled`
	secretValueColumns = secretMetaColumns + `, value_ciphertext, value_key_id`
)

// InsertSecret locks the owner's row, checks the unique fields and the
// quota, inserts the row and writes the audit entry, in one write
// transaction. It returns the stored metadata, without the ciphertext.
func (s *Store) InsertSecret(ctx context.Context, p store.InsertSecretParams) (store.Secret, error) {
	sec := p.Secret
	if sec.ID == uuid.Nil {
		sec.ID = uuid.New()
	}
	sec.CreatedAt = storedTimeOrNow(sec.CreatedAt)
	if sec.UpdatedAt.IsZero() {
		sec.UpdatedAt = sec.CreatedAt
	} else {
		sec.UpdatedAt = storedTime(sec.UpdatedAt)
	}
	err := s.write(ctx, func(c conn) error {
		if err := s.lockOwner(ctx, c, sec.OwnerID); err != nil {
			return err
		}
		env, file := enabledTargets(sec)
		if err := checkSecretConflicts(ctx, c, sec.OwnerID, sec.ID, sec.Name, env, file); err != nil {
			return err
		}
		u, err := secretUsage(ctx, c, sec.OwnerID, sec.ID)
		if err != nil {
			return err
		}
		if err := checkInsert(p.Quota, u, sec.ValueSize, env != ""); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO secrets (`+secretValueColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sec.ID, sec.OwnerID, sec.Name, sec.Description, nullString(sec.EnvName), nullString(sec.FilePath),
			sec.ValueSize, sec.CreatedAt, sec.UpdatedAt, sec.Enabled, nonNilBytes(sec.Ciphertext), sec.KeyID); err != nil {
			return err
		}
		return insertAudit(ctx, c, store.AuditEntry{
			Time:         sec.CreatedAt,
			ActorID:      p.ActorID,
			Action:       store.AuditCreate,
			ResourceID:   sec.ID,
			OwnerID:      sec.OwnerID,
			ResourceName: sec.Name,
			Fields:       createFields(sec),
		})
	})
	if err != nil {
		return store.Secret{}, fmt.Errorf("insert secret: %w", err)
	}
	sec.Ciphertext, sec.KeyID = nil, ""
	return sec, nil
}

// GetSecret returns the metadata of the owner's secret name.
func (s *Store) GetSecret(ctx context.Context, ownerID uuid.UUID, name string) (_ store.Secret, err error) {
	defer wrap(&err, "get secret")
	return getSecretMeta(ctx, s.read(), ownerID, name)
}

// ListSecrets never reads the ciphertext column.
func (s *Store) ListSecrets(ctx context.Context, ownerID uuid.UUID) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets")
	return s.querySecrets(ctx, false,
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
}

// ListSecretsWithValues returns the owner's secrets with their ciphertexts.
func (s *Store) ListSecretsWithValues(ctx context.Context, ownerID uuid.UUID) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets with values")
	return s.querySecrets(ctx, true,
		`SELECT `+secretValueColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
}

// UpdateSecret locks the owner's row, rechecks the unique fields and the
// quota, updates the row and writes the audit entry, in one write
// transaction. The value columns are touched only when p.Ciphertext is set,
// so a concurrent re-encryption is never undone.
func (s *Store) UpdateSecret(ctx context.Context, p store.UpdateSecretParams) (ret store.Secret, err error) {
	defer fail(&ret, &err, "update secret")
	fields := updateFields(p)
	var out store.Secret
	err = s.write(ctx, func(c conn) error {
		if len(fields) > 0 {
			if err := s.lockOwner(ctx, c, p.OwnerID); err != nil {
				return err
			}
		}
		cur, err := getSecretMeta(ctx, c, p.OwnerID, p.Name)
		if err != nil {
			return err
		}
		if len(fields) == 0 {
			out = cur
			return nil
		}
		// The time is taken here, with the write serialized: see
		// store.UpdateSecretParams.
		updatedAt := nextUpdatedAt(p.Now, cur.UpdatedAt)
		next := applyUpdate(cur, p, updatedAt)
		if next.Enabled && next.EnvName == "" && next.FilePath == "" {
			return store.ErrNoTarget
		}
		envCheck, fileCheck := changedTargets(cur, next)
		if err := checkSecretConflicts(ctx, c, cur.OwnerID, cur.ID, "", envCheck, fileCheck); err != nil {
			return err
		}
		u, err := secretUsage(ctx, c, cur.OwnerID, cur.ID)
		if err != nil {
			return err
		}
		before := quotaState{Size: cur.ValueSize, HasEnv: cur.Enabled && cur.EnvName != ""}
		after := quotaState{Size: next.ValueSize, HasEnv: next.Enabled && next.EnvName != ""}
		if err := checkUpdate(p.Quota, u, before, after); err != nil {
			return err
		}
		if err := updateSecretRow(ctx, c, cur.ID, next, p); err != nil {
			return err
		}
		out = next
		return insertAudit(ctx, c, store.AuditEntry{
			Time:         updatedAt,
			ActorID:      p.ActorID,
			Action:       store.AuditUpdate,
			ResourceID:   cur.ID,
			OwnerID:      cur.OwnerID,
			ResourceName: cur.Name,
			Fields:       fields,
		})
	})
	return out, err
}

// updateSecretRow writes next's metadata to row id, and p's value only if p
// carries one: the value columns are neither read nor written otherwise.
func updateSecretRow(ctx context.Context, c conn, id uuid.UUID, next store.Secret, p store.UpdateSecretParams) error {
	var err error
	if p.Ciphertext != nil {
		_, err = c.exec(ctx, `UPDATE secrets SET
				description = ?, env_name = ?, file_path = ?, updated_at = ?, enabled = ?,
				value_ciphertext = ?, value_key_id = ?, value_size = ?
			WHERE id = ?`,
			next.Description, nullString(next.EnvName), nullString(next.FilePath), next.UpdatedAt, next.Enabled,
			p.Ciphertext, p.KeyID, p.ValueSize, id)
	} else {
		_, err = c.exec(ctx, `UPDATE secrets SET
				description = ?, env_name = ?, file_path = ?, updated_at = ?, enabled = ?
			WHERE id = ?`,
			next.Description, nullString(next.EnvName), nullString(next.FilePath), next.UpdatedAt, next.Enabled, id)
	}
	return err
}

// applyUpdate returns cur with p's changes applied.
func applyUpdate(cur store.Secret, p store.UpdateSecretParams, updatedAt time.Time) store.Secret {
	next := cur
	if p.Description != nil {
		next.Description = *p.Description
	}
	if p.EnvName != nil {
		next.EnvName = *p.EnvName
	}
	if p.FilePath != nil {
		next.FilePath = *p.FilePath
	}
	if p.Enabled != nil {
		next.Enabled = *p.Enabled
	}
	if p.Ciphertext != nil {
		next.ValueSize = p.ValueSize
	}
	next.UpdatedAt = updatedAt
	return next
}

// DeleteSecret deletes the owner's secret name and writes the audit entry.
func (s *Store) DeleteSecret(ctx context.Context, ownerID uuid.UUID, name string, actorID uuid.UUID) (err error) {
	defer wrap(&err, "delete secret")
	return s.write(ctx, func(c conn) error {
		var id uuid.UUID
		if err := c.row(ctx, []any{&id}, `DELETE FROM secrets WHERE owner_id = ? AND name = ? RETURNING id`,
			ownerID, name); err != nil {
			return err
		}
		return insertAudit(ctx, c, store.AuditEntry{
			Time:         storedTimeOrNow(time.Time{}),
			ActorID:      actorID,
			Action:       store.AuditDelete,
			ResourceID:   id,
			OwnerID:      ownerID,
			ResourceName: name,
		})
	})
}

// SecretKeyIDs returns each key id sealing stored values with its row count.
func (s *Store) SecretKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "secret key ids")
	return s.keyIDCounts(ctx, `SELECT value_key_id, COUNT(*) FROM secrets GROUP BY value_key_id`)
}

// ListSecretsByKeyID returns up to limit secrets sealed by keyID, by id.
func (s *Store) ListSecretsByKeyID(ctx context.Context, keyID string, limit int) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets by key id")
	return s.querySecrets(ctx, true,
		`SELECT `+secretValueColumns+` FROM secrets WHERE value_key_id = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceSecretCiphertext reseals secret id; it changes neither
// updated_at nor the audit log: the value stays the same.
func (s *Store) ReplaceSecretCiphertext(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace secret ciphertext")
	return s.replaceSealed(ctx, "secrets", "value_ciphertext", "value_key_id", id, oldKeyID, ciphertext, newKeyID)
}

func getSecretMeta(ctx context.Context, c conn, ownerID uuid.UUID, name string) (store.Secret, error) {
	var sec store.Secret
	var env, file *string
	err := c.row(ctx, secretDest(&sec, &env, &file, false),
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? AND name = ?`, ownerID, name)
	if err != nil {
		return store.Secret{}, err
	}
	sec.EnvName, sec.FilePath = str(env), str(file)
	return sec, nil
}

// lockOwner locks the owner's user row for the rest of the transaction, so
// that all writes to one user's secrets, from any process, run one after
// the other. FOR NO KEY UPDATE, unlike FOR UPDATE, does not block the
// foreign key checks of unrelated inserts (API keys) that refer to the user.
// It returns store.ErrNotFound if there is no such user.
func (s *Store) lockOwner(ctx context.Context, c conn, ownerID uuid.UUID) (err error) {
	defer wrap(&err, "owner")
	return c.exists(ctx, `SELECT 1 FROM users WHERE id = ?`+s.d.RowLock, ownerID)
}

// checkSecretConflicts returns a *store.ConflictError if another secret of
// the owner (not excludeID) already has name, or if another enabled secret
// has envName or filePath; empty arguments are not checked. Name is checked first, then env_name, then
// file_path.
func checkSecretConflicts(ctx context.Context, c conn, ownerID, excludeID uuid.UUID, name, envName, filePath string) error {
	var nameTaken, envTaken, fileTaken int
	err := c.row(ctx, []any{&nameTaken, &envTaken, &fileTaken}, `SELECT
			COUNT(CASE WHEN name = ? THEN 1 END),
			COUNT(CASE WHEN env_name = ? AND enabled THEN 1 END),
			COUNT(CASE WHEN file_path = ? AND enabled THEN 1 END)
		FROM secrets WHERE owner_id = ? AND id <> ?`,
		nullString(name), nullString(envName), nullString(filePath), ownerID, excludeID)
	if err != nil {
		return fmt.Errorf("check conflicts: %w", err)
	}
	switch {
	case nameTaken > 0:
		return &store.ConflictError{Field: "name"}
	case envTaken > 0:
		return &store.ConflictError{Field: "env_name"}
	case fileTaken > 0:
		return &store.ConflictError{Field: "file_path"}
	}
	return nil
}

// secretUsage sums what the owner's secrets other than excludeID hold.
func secretUsage(ctx context.Context, c conn, ownerID, excludeID uuid.UUID) (usage, error) {
	var u usage
	err := c.row(ctx, []any{&u.Count, &u.TotalBytes, &u.EnvBytes}, `SELECT
			COUNT(*),
			COALESCE(SUM(value_size), 0),
			COALESCE(SUM(CASE WHEN env_name IS NOT NULL AND enabled THEN value_size ELSE 0 END), 0)
		FROM secrets WHERE owner_id = ? AND id <> ?`, ownerID, excludeID)
	if err != nil {
		return usage{}, fmt.Errorf("sum quota usage: %w", err)
	}
	return u, nil
}

// secretDest is where a row of secretMetaColumns (of secretValueColumns
// when withValue) is scanned.
func secretDest(sec *store.Secret, env, file **string, withValue bool) []any {
	dest := []any{&sec.ID, &sec.OwnerID, &sec.Name, &sec.Description, env, file, &sec.ValueSize,
		timeCol{&sec.CreatedAt}, timeCol{&sec.UpdatedAt}, &sec.Enabled}
	if withValue {
		dest = append(dest, &sec.Ciphertext, &sec.KeyID)
	}
	return dest
}

func (s *Store) querySecrets(ctx context.Context, withValue bool, query string, args ...any) ([]store.Secret, error) {
	return queryAll(ctx, s, func(r scanner) (store.Secret, error) {
		var sec store.Secret
		var env, file *string
		if err := r.Scan(secretDest(&sec, &env, &file, withValue)...); err != nil {
			return store.Secret{}, err
		}
		sec.EnvName, sec.FilePath = str(env), str(file)
		if withValue && sec.Ciphertext == nil {
			sec.Ciphertext = []byte{}
		}
		return sec, nil
	}, query, args...)
}
