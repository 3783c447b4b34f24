package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// secretMetaColumns never includes value_ciphertext: every query that
// returns metadata only selects exactly these.
const (
	secretMetaColumns  = `id, owner_id, name, description, env_name, file_path, value_size, created_at, updated_at, enabled, value_rev, templates, refresh`
	secretValueColumns = secretMetaColumns + `, value_ciphertext, value_key_id`
)

// InsertSecret and UpdateSecret lock the owner's row (lockOwner) before
// they check the unique fields and the quota.
func (s *Store) InsertSecret(ctx context.Context, p store.InsertSecretParams) (store.Secret, error) {
	sec := p.Secret
	if sec.ID == uuid.Nil {
		sec.ID = uuid.New()
	}
	sec.CreatedAt, sec.UpdatedAt = createdUpdated(sec.CreatedAt, sec.UpdatedAt)
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
		if err := insertSecretRow(ctx, c, &sec); err != nil {
			return err
		}
		return insertAudit(ctx, c, store.AuditEntry{Time: sec.CreatedAt, ActorID: p.ActorID, Action: store.AuditCreate,
			ResourceID: sec.ID, OwnerID: sec.OwnerID, ResourceName: sec.Name, Fields: createFields(sec)})
	})
	if err != nil {
		return store.Secret{}, fmt.Errorf("insert secret: %w", err)
	}
	sec.Ciphertext, sec.KeyID = nil, ""
	return sec, nil
}

func (s *Store) GetSecret(ctx context.Context, ownerID uuid.UUID, name string) (_ store.Secret, err error) {
	defer wrap(&err, "get secret")
	return getSecretMeta(ctx, s.read(), ownerID, name)
}

func (s *Store) ListSecrets(ctx context.Context, ownerID uuid.UUID) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets")
	return all(ctx, s.read(), scanSecretMeta,
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
}

func (s *Store) ListSecretsWithValues(ctx context.Context, ownerID uuid.UUID) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets with values")
	return all(ctx, s.read(), scanSecretValue,
		`SELECT `+secretValueColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, ownerID)
}

// UpdateSecret touches the value columns only when p.Ciphertext is set, so
// a concurrent re-encryption is never undone.
func (s *Store) UpdateSecret(ctx context.Context, p store.UpdateSecretParams) (out store.Secret, err error) {
	defer fail(&out, &err, "update secret")
	fields := updateFields(p)
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
		return insertAudit(ctx, c, store.AuditEntry{Time: updatedAt, ActorID: p.ActorID, Action: store.AuditUpdate,
			ResourceID: cur.ID, OwnerID: cur.OwnerID, ResourceName: cur.Name, Fields: fields})
	})
	return out, err
}

// insertSecretRow inserts sec with a new value token (sec.ValueRev) unless
// it has one.
func insertSecretRow(ctx context.Context, c conn, sec *store.Secret) error {
	if sec.ValueRev == "" {
		sec.ValueRev = uuid.NewString()
	}
	sec.Templates = normTemplates(sec.Templates)
	return c.insert(ctx, "secrets", secretValueColumns, sec.ID, sec.OwnerID, sec.Name, sec.Description,
		nullString(sec.EnvName), nullString(sec.FilePath), sec.ValueSize, sec.CreatedAt, sec.UpdatedAt,
		sec.Enabled, sec.ValueRev, encodeTemplates(sec.Templates), sec.Refresh, nonNilBytes(sec.Ciphertext), sec.KeyID)
}

// normTemplates is nil for an empty allow-list.
func normTemplates(t []string) []string {
	if len(t) == 0 {
		return nil
	}
	return t
}

// encodeTemplates and decodeTemplates keep an allow-list as a JSON array
// ("" when empty).
func encodeTemplates(t []string) string {
	if len(t) == 0 {
		return ""
	}
	b, _ := json.Marshal(t)
	return string(b)
}

func decodeTemplates(s string) []string {
	var t []string
	if s == "" || json.Unmarshal([]byte(s), &t) != nil {
		return nil
	}
	return normTemplates(t)
}

// updateSecretRow writes next's metadata to row id, and p's value if set.
func updateSecretRow(ctx context.Context, c conn, id uuid.UUID, next store.Secret, p store.UpdateSecretParams) error {
	set := `description = ?, env_name = ?, file_path = ?, updated_at = ?, enabled = ?, templates = ?, refresh = ?`
	args := []any{next.Description, nullString(next.EnvName), nullString(next.FilePath), next.UpdatedAt, next.Enabled,
		encodeTemplates(next.Templates), next.Refresh}
	if p.Ciphertext != nil {
		set += `, value_ciphertext = ?, value_key_id = ?, value_size = ?, value_rev = ?`
		args = append(args, p.Ciphertext, p.KeyID, p.ValueSize, next.ValueRev)
	}
	_, err := c.exec(ctx, `UPDATE secrets SET `+set+` WHERE id = ?`, append(args, id)...)
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
	if p.Refresh != nil {
		next.Refresh = *p.Refresh
	}
	if p.Templates != nil {
		next.Templates = normTemplates(append([]string(nil), (*p.Templates)...))
	}
	if p.Ciphertext != nil {
		next.ValueSize = p.ValueSize
		next.ValueRev = uuid.NewString()
	}
	next.UpdatedAt = updatedAt
	return next
}

func (s *Store) DeleteSecret(ctx context.Context, ownerID uuid.UUID, name string, actorID uuid.UUID) (err error) {
	defer wrap(&err, "delete secret")
	return s.write(ctx, func(c conn) error {
		if err := s.lockOwner(ctx, c, ownerID); err != nil {
			return err
		}
		var id uuid.UUID
		if err := c.row(ctx, []any{&id}, `DELETE FROM secrets WHERE owner_id = ? AND name = ? RETURNING id`,
			ownerID, name); err != nil {
			return err
		}
		return insertAudit(ctx, c, store.AuditEntry{Time: storedTimeOrNow(time.Time{}), ActorID: actorID,
			Action: store.AuditDelete, ResourceID: id, OwnerID: ownerID, ResourceName: name})
	})
}

func (s *Store) SecretKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "secret key ids")
	return s.keyIDCounts(ctx, `SELECT value_key_id, COUNT(*) FROM secrets GROUP BY value_key_id`)
}

func (s *Store) ListSecretsByKeyID(ctx context.Context, keyID string, limit int) (_ []store.Secret, err error) {
	defer wrap(&err, "list secrets by key id")
	return all(ctx, s.read(), scanSecretValue,
		`SELECT `+secretValueColumns+` FROM secrets WHERE value_key_id = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceSecretCiphertext changes neither updated_at nor the audit log.
func (s *Store) ReplaceSecretCiphertext(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace secret ciphertext")
	return s.replaceSealed(ctx, "secrets", `value_ciphertext = ?, value_key_id = ?`, `value_key_id = ?`,
		[]any{nonNilBytes(ciphertext), newKeyID}, id, oldKeyID)
}

func getSecretMeta(ctx context.Context, c conn, ownerID uuid.UUID, name string) (store.Secret, error) {
	return one(ctx, c, scanSecretMeta,
		`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? AND name = ?`, ownerID, name)
}

// lockOwner locks the owner's user row for the rest of the transaction
// (store.ErrNotFound if there is none) and bumps the owner's secrets
// generation (store.AgentAuth.SecretsGeneration): every write to a user's
// secrets calls it first, so a committed change to them is a new
// generation, in the same transaction. On PostgreSQL an UPDATE of a
// column that no key refers to takes the same lock as SELECT ... FOR NO
// KEY UPDATE, which does not block the foreign key checks of unrelated
// inserts (API keys) that refer to the user.
func (s *Store) lockOwner(ctx context.Context, c conn, ownerID uuid.UUID) (err error) {
	defer wrap(&err, "owner")
	n, err := c.exec(ctx, `UPDATE users SET secrets_generation = secrets_generation + 1 WHERE id = ?`, ownerID)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
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

// scanSecretMeta and scanSecretValue read a row of secretMetaColumns and of
// secretValueColumns.
func scanSecretMeta(r Row) (store.Secret, error)  { return scanSecret(r, false) }
func scanSecretValue(r Row) (store.Secret, error) { return scanSecret(r, true) }

func scanSecret(r Row, withValue bool) (store.Secret, error) {
	var sec store.Secret
	var env, file *string
	var templates string
	dest := []any{&sec.ID, &sec.OwnerID, &sec.Name, &sec.Description, &env, &file, &sec.ValueSize,
		timeCol{&sec.CreatedAt}, timeCol{&sec.UpdatedAt}, &sec.Enabled, &sec.ValueRev, &templates, &sec.Refresh}
	if withValue {
		dest = append(dest, &sec.Ciphertext, &sec.KeyID)
	}
	if err := r.Scan(dest...); err != nil {
		return store.Secret{}, err
	}
	sec.EnvName, sec.FilePath = str(env), str(file)
	sec.Templates = decodeTemplates(templates)
	if withValue && sec.Ciphertext == nil {
		sec.Ciphertext = []byte{}
	}
	return sec, nil
}

// insertAudit writes e, a change to a secret, with a new ID, in a write
// transaction. e never carries a value, only field names; ListAuditEntries
// reads the log.
func insertAudit(ctx context.Context, c conn, e store.AuditEntry) error {
	if e.Fields == nil {
		e.Fields = []string{}
	}
	err := c.insert(ctx, "audit_log", `id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields`,
		uuid.New(), e.Time, e.ActorID, e.Action, "secret", e.ResourceID, e.OwnerID, e.ResourceName, e.Fields)
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	return nil
}

// The rules of a write to a secret: the per-user quota checks and the list
// of changed fields an audit entry records. The store gathers the numbers
// inside its write transaction and calls these functions.

// usage is what an owner's secrets other than the one being written hold.
type usage struct {
	Count      int // number of secrets
	TotalBytes int // sum of value sizes
	EnvBytes   int // sum of value sizes of secrets with an env target
}

// checkInsert returns a *store.LimitError if adding a secret of size bytes
// (with an env target when hasEnv) to an owner holding u breaks q. A zero (or
// negative) quota field means no bound. The checks run in a fixed order:
// count, total bytes, env bytes.
func checkInsert(q store.Quota, u usage, size int, hasEnv bool) error {
	if err := overLimit(store.LimitSecrets, q.MaxSecrets, u.Count+1); err != nil {
		return err
	}
	if err := overLimit(store.LimitTotalBytes, q.MaxTotalBytes, u.TotalBytes+size); err != nil || !hasEnv {
		return err
	}
	return overLimit(store.LimitEnvBytes, q.MaxEnvBytes, u.EnvBytes+size)
}

// overLimit returns a *store.LimitError if would passes max, when max bounds.
func overLimit(limit string, max, would int) error {
	if max > 0 && would > max {
		return &store.LimitError{Limit: limit, Max: max, Would: would}
	}
	return nil
}

// quotaState is the part of a secret the quotas look at.
type quotaState struct {
	Size   int
	HasEnv bool
}

// checkUpdate returns a *store.LimitError if changing one secret from before
// to after, next to the owner's other secrets u, breaks q. A total is refused
// only when it ends above its bound and the change grows it: a user already
// over a quota (say, after an operator lowered it) can still shrink values,
// clear targets or edit descriptions.
func checkUpdate(q store.Quota, u usage, before, after quotaState) error {
	if after.Size > before.Size {
		if err := overLimit(store.LimitTotalBytes, q.MaxTotalBytes, u.TotalBytes+after.Size); err != nil {
			return err
		}
	}
	if envSize(after) > envSize(before) {
		return overLimit(store.LimitEnvBytes, q.MaxEnvBytes, u.EnvBytes+envSize(after))
	}
	return nil
}

func envSize(s quotaState) int {
	if s.HasEnv {
		return s.Size
	}
	return 0
}

// auditFields are the names of the fields an audit entry lists, in order.
var auditFields = [...]string{"value", "description", "env_name", "file_path", "enabled", "templates", "refresh"}

// changedFields lists the audit fields whose flag is set, nil when none.
func changedFields(value, description, envName, filePath, enabled bool, templates ...bool) []string {
	var f []string
	for i, set := range append([]bool{value, description, envName, filePath, enabled}, templates...) {
		if set {
			f = append(f, auditFields[i])
		}
	}
	return f
}

// createFields lists what an audit entry for creating s records: the value,
// and each of description, env_name and file_path that is set.
func createFields(s store.Secret) []string {
	return changedFields(true, s.Description != "", s.EnvName != "", s.FilePath != "", false, len(s.Templates) > 0, s.Refresh != "")
}

// updateFields lists the fields p sets: "value" when it carries a new
// ciphertext, then each non-nil metadata field. It is nil when p changes
// nothing.
func updateFields(p store.UpdateSecretParams) []string {
	return changedFields(p.Ciphertext != nil, p.Description != nil, p.EnvName != nil, p.FilePath != nil, p.Enabled != nil, p.Templates != nil, p.Refresh != nil)
}

// storedTime returns t as both backends store it: in UTC, truncated to the
// microsecond. The zero time stays zero.
func storedTime(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// storedTimeOrNow is storedTime, with a zero t replaced by the current time.
func storedTimeOrNow(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return storedTime(t)
}

// nextUpdatedAt is the updated_at of a secret written now, whose stored
// updated_at is prev: now() (time.Now when nil) as stored, but never before
// prev. Backends call it inside their write transaction.
func nextUpdatedAt(now func() time.Time, prev time.Time) time.Time {
	if now == nil {
		now = time.Now
	}
	t := storedTime(now())
	if t.Before(prev) {
		return storedTime(prev)
	}
	return t
}
