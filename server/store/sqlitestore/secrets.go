package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

// Column lists. secretMetaColumns never includes value_ciphertext: every
// query that returns metadata only selects exactly these.
const (
	secretMetaColumns  = `id, owner_id, name, description, env_name, file_path, value_size, created_at, updated_at`
	secretValueColumns = secretMetaColumns + `, value_ciphertext, value_key_id`
)

// InsertSecret creates p.Secret. In one write transaction it checks that the
// owner exists (store.ErrNotFound), that name, env_name and file_path are
// free for the owner (*store.ConflictError), and the quota
// (*store.LimitError), then inserts the row and the audit entry. A zero ID
// is generated, a zero CreatedAt is now, a zero UpdatedAt is CreatedAt. It
// returns the stored metadata, without the ciphertext.
func (s *Store) InsertSecret(ctx context.Context, p store.InsertSecretParams) (store.Secret, error) {
	sec := p.Secret
	if sec.ID == uuid.Nil {
		sec.ID = uuid.New()
	}
	sec.CreatedAt = secretwrite.TimeOrNow(sec.CreatedAt)
	if sec.UpdatedAt.IsZero() {
		sec.UpdatedAt = sec.CreatedAt
	} else {
		sec.UpdatedAt = secretwrite.Time(sec.UpdatedAt)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := ownerExists(ctx, tx, sec.OwnerID); err != nil {
			return err
		}
		if err := checkSecretConflicts(ctx, tx, sec.OwnerID, sec.ID, sec.Name, sec.EnvName, sec.FilePath); err != nil {
			return err
		}
		u, err := secretUsage(ctx, tx, sec.OwnerID, sec.ID)
		if err != nil {
			return err
		}
		if err := secretwrite.CheckInsert(p.Quota, u, sec.ValueSize, sec.EnvName != ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (`+secretValueColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sec.ID, sec.OwnerID, sec.Name, sec.Description, nullString(sec.EnvName), nullString(sec.FilePath),
			sec.ValueSize, toMicros(sec.CreatedAt), toMicros(sec.UpdatedAt),
			nonNilBytes(sec.Ciphertext), sec.KeyID); err != nil {
			return mapErr(err)
		}
		return insertAudit(ctx, tx, store.AuditEntry{
			Time:         sec.CreatedAt,
			ActorID:      p.ActorID,
			Action:       store.AuditCreate,
			ResourceID:   sec.ID,
			OwnerID:      sec.OwnerID,
			ResourceName: sec.Name,
			Fields:       secretwrite.CreateFields(sec),
		})
	})
	if err != nil {
		return store.Secret{}, fmt.Errorf("insert secret: %w", err)
	}
	sec.Ciphertext, sec.KeyID = nil, ""
	return sec, nil
}

// GetSecret returns the metadata of the owner's secret name.
func (s *Store) GetSecret(ctx context.Context, ownerID uuid.UUID, name string) (store.Secret, error) {
	sec, err := getSecretMeta(ctx, s.db, ownerID, name)
	if err != nil {
		return store.Secret{}, fmt.Errorf("get secret: %w", err)
	}
	return sec, nil
}

// GetSecretWithValue returns the owner's secret name with its ciphertext
// and key id.
func (s *Store) GetSecretWithValue(ctx context.Context, ownerID uuid.UUID, name string) (store.Secret, error) {
	row := s.db.QueryRowContext(ctx,
		`SELECT `+secretValueColumns+` FROM secrets WHERE owner_id = ? AND name = ?`, ownerID, name)
	sec, err := scanSecret(row, true)
	if err != nil {
		return store.Secret{}, fmt.Errorf("get secret with value: %w", err)
	}
	return sec, nil
}

// ListSecrets returns the metadata of the owner's secrets sorted by name
// (byte order). It never reads the ciphertext column.
func (s *Store) ListSecrets(ctx context.Context, ownerID uuid.UUID) ([]store.Secret, error) {
	out, err := querySecrets(ctx, s.db, false,
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	return out, nil
}

// ListSecretsWithValues returns the owner's secrets with their ciphertexts,
// sorted by name.
func (s *Store) ListSecretsWithValues(ctx context.Context, ownerID uuid.UUID) ([]store.Secret, error) {
	out, err := querySecrets(ctx, s.db, true,
		`SELECT `+secretValueColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list secrets with values: %w", err)
	}
	return out, nil
}

// UpdateSecret changes the owner's secret p.Name (store.ErrNotFound if there
// is none). In one write transaction it checks the new env_name and
// file_path for clashes and the quota, then updates the row and writes the
// audit entry. The value columns are touched only when p.Ciphertext is set.
// An update that sets nothing returns the secret unchanged and writes
// nothing. It returns the stored metadata, without the ciphertext.
func (s *Store) UpdateSecret(ctx context.Context, p store.UpdateSecretParams) (store.Secret, error) {
	fields := secretwrite.UpdateFields(p)
	var out store.Secret
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, err := getSecretMeta(ctx, tx, p.OwnerID, p.Name)
		if err != nil {
			return err
		}
		if len(fields) == 0 {
			out = cur
			return nil
		}
		// The time is taken here, with the write serialized: see
		// store.UpdateSecretParams.
		updatedAt := secretwrite.UpdatedAt(p.Now, cur.UpdatedAt)
		next := applyUpdate(cur, p, updatedAt)
		envCheck, fileCheck := "", ""
		if next.EnvName != cur.EnvName {
			envCheck = next.EnvName
		}
		if next.FilePath != cur.FilePath {
			fileCheck = next.FilePath
		}
		if err := checkSecretConflicts(ctx, tx, cur.OwnerID, cur.ID, "", envCheck, fileCheck); err != nil {
			return err
		}
		u, err := secretUsage(ctx, tx, cur.OwnerID, cur.ID)
		if err != nil {
			return err
		}
		before := secretwrite.State{Size: cur.ValueSize, HasEnv: cur.EnvName != ""}
		after := secretwrite.State{Size: next.ValueSize, HasEnv: next.EnvName != ""}
		if err := secretwrite.CheckUpdate(p.Quota, u, before, after); err != nil {
			return err
		}
		if err := updateSecretRow(ctx, tx, cur.ID, next, p); err != nil {
			return err
		}
		out = next
		return insertAudit(ctx, tx, store.AuditEntry{
			Time:         updatedAt,
			ActorID:      p.ActorID,
			Action:       store.AuditUpdate,
			ResourceID:   cur.ID,
			OwnerID:      cur.OwnerID,
			ResourceName: cur.Name,
			Fields:       fields,
		})
	})
	if err != nil {
		return store.Secret{}, fmt.Errorf("update secret: %w", err)
	}
	return out, nil
}

// updateSecretRow writes next's metadata to row id, and p's value only if p
// carries one: the value columns are neither read nor written otherwise.
func updateSecretRow(ctx context.Context, tx *sql.Tx, id uuid.UUID, next store.Secret, p store.UpdateSecretParams) error {
	var err error
	if p.Ciphertext != nil {
		_, err = tx.ExecContext(ctx, `UPDATE secrets SET
				description = ?, env_name = ?, file_path = ?, updated_at = ?,
				value_ciphertext = ?, value_key_id = ?, value_size = ?
			WHERE id = ?`,
			next.Description, nullString(next.EnvName), nullString(next.FilePath), toMicros(next.UpdatedAt),
			p.Ciphertext, p.KeyID, p.ValueSize, id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE secrets SET
				description = ?, env_name = ?, file_path = ?, updated_at = ?
			WHERE id = ?`,
			next.Description, nullString(next.EnvName), nullString(next.FilePath), toMicros(next.UpdatedAt), id)
	}
	return mapErr(err)
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
	if p.Ciphertext != nil {
		next.ValueSize = p.ValueSize
	}
	next.UpdatedAt = updatedAt
	return next
}

// DeleteSecret deletes the owner's secret name and writes the audit entry;
// store.ErrNotFound if there is none.
func (s *Store) DeleteSecret(ctx context.Context, ownerID uuid.UUID, name string, actorID uuid.UUID) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id uuid.UUID
		if err := tx.QueryRowContext(ctx, `SELECT id FROM secrets WHERE owner_id = ? AND name = ?`,
			ownerID, name).Scan(&id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ?`, id); err != nil {
			return mapErr(err)
		}
		return insertAudit(ctx, tx, store.AuditEntry{
			Time:         secretwrite.TimeOrNow(time.Time{}),
			ActorID:      actorID,
			Action:       store.AuditDelete,
			ResourceID:   id,
			OwnerID:      ownerID,
			ResourceName: name,
		})
	})
	if err != nil {
		return fmt.Errorf("delete secret: %w", err)
	}
	return nil
}

// SecretKeyIDs returns each key id sealing stored values with its row count.
func (s *Store) SecretKeyIDs(ctx context.Context) (map[string]int, error) {
	out, err := s.keyIDCounts(ctx, `SELECT value_key_id, COUNT(*) FROM secrets GROUP BY value_key_id`)
	if err != nil {
		return nil, fmt.Errorf("secret key ids: %w", err)
	}
	return out, nil
}

// ListSecretsByKeyID returns up to limit secrets sealed by keyID, with their
// ciphertexts, ordered by id. A limit of zero or less means no limit.
func (s *Store) ListSecretsByKeyID(ctx context.Context, keyID string, limit int) ([]store.Secret, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	out, err := querySecrets(ctx, s.db, true,
		`SELECT `+secretValueColumns+` FROM secrets WHERE value_key_id = ? ORDER BY id LIMIT ?`, keyID, limit)
	if err != nil {
		return nil, fmt.Errorf("list secrets by key id: %w", err)
	}
	return out, nil
}

// ReplaceSecretCiphertext swaps the ciphertext and key id of secret id if it
// is still sealed by oldKeyID. It returns store.ErrNotFound if there is no
// such secret and a *store.ConflictError with Field "key_id" if it has been
// resealed (or its value changed) meanwhile. It changes neither updated_at
// nor the audit log: the value stays the same.
func (s *Store) ReplaceSecretCiphertext(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error {
	if err := s.replaceSealed(ctx, "secrets", "value_ciphertext", "value_key_id", id, oldKeyID, ciphertext, newKeyID); err != nil {
		return fmt.Errorf("replace secret ciphertext: %w", err)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getSecretMeta(ctx context.Context, q querier, ownerID uuid.UUID, name string) (store.Secret, error) {
	row := q.QueryRowContext(ctx,
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? AND name = ?`, ownerID, name)
	return scanSecret(row, false)
}

// ownerExists returns store.ErrNotFound unless the user exists.
func ownerExists(ctx context.Context, tx *sql.Tx, ownerID uuid.UUID) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, ownerID).Scan(&one); err != nil {
		return fmt.Errorf("owner: %w", mapErr(err))
	}
	return nil
}

// checkSecretConflicts returns a *store.ConflictError if another secret of
// the owner (not excludeID) already has name, envName or filePath; empty
// arguments are not checked. Name is checked first, then env_name, then
// file_path.
func checkSecretConflicts(ctx context.Context, tx *sql.Tx, ownerID, excludeID uuid.UUID, name, envName, filePath string) error {
	var nameTaken, envTaken, fileTaken bool
	err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(MAX(name = ?), 0),
			COALESCE(MAX(env_name = ?), 0),
			COALESCE(MAX(file_path = ?), 0)
		FROM secrets WHERE owner_id = ? AND id <> ?`,
		nullString(name), nullString(envName), nullString(filePath), ownerID, excludeID,
	).Scan(&nameTaken, &envTaken, &fileTaken)
	if err != nil {
		return fmt.Errorf("check conflicts: %w", mapErr(err))
	}
	switch {
	case nameTaken:
		return &store.ConflictError{Field: "name"}
	case envTaken:
		return &store.ConflictError{Field: "env_name"}
	case fileTaken:
		return &store.ConflictError{Field: "file_path"}
	}
	return nil
}

// secretUsage sums what the owner's secrets other than excludeID hold.
func secretUsage(ctx context.Context, tx *sql.Tx, ownerID, excludeID uuid.UUID) (secretwrite.Usage, error) {
	var u secretwrite.Usage
	err := tx.QueryRowContext(ctx, `SELECT
			COUNT(*),
			COALESCE(SUM(value_size), 0),
			COALESCE(SUM(CASE WHEN env_name IS NOT NULL THEN value_size ELSE 0 END), 0)
		FROM secrets WHERE owner_id = ? AND id <> ?`, ownerID, excludeID,
	).Scan(&u.Count, &u.TotalBytes, &u.EnvBytes)
	if err != nil {
		return secretwrite.Usage{}, fmt.Errorf("sum quota usage: %w", mapErr(err))
	}
	return u, nil
}

type scanner interface{ Scan(dest ...any) error }

// scanSecret reads one row of secretMetaColumns, or of secretValueColumns
// when withValue.
func scanSecret(row scanner, withValue bool) (store.Secret, error) {
	var (
		sec              store.Secret
		env, file        sql.NullString
		created, updated int64
	)
	dest := []any{&sec.ID, &sec.OwnerID, &sec.Name, &sec.Description, &env, &file, &sec.ValueSize, &created, &updated}
	if withValue {
		dest = append(dest, &sec.Ciphertext, &sec.KeyID)
	}
	if err := row.Scan(dest...); err != nil {
		return store.Secret{}, mapErr(err)
	}
	sec.EnvName, sec.FilePath = env.String, file.String
	sec.CreatedAt, sec.UpdatedAt = fromMicros(created), fromMicros(updated)
	if withValue && sec.Ciphertext == nil {
		sec.Ciphertext = []byte{}
	}
	return sec, nil
}

func querySecrets(ctx context.Context, q querier, withValue bool, query string, args ...any) ([]store.Secret, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.Secret{}
	for rows.Next() {
		sec, err := scanSecret(rows, withValue)
		if err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}
