package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// workspaceColumns never includes the sealed state (see store.Workspace).
const (
	workspaceColumns      = `id, name, owner_id, template_id, deleted, created_at, updated_at, secret_refresh`
	workspaceStateColumns = workspaceColumns + `, state_ciphertext, state_key_id`
)

// InsertWorkspace relies on the partial unique index on live names: a
// concurrent insert of the same name waits, then fails.
func (s *Store) InsertWorkspace(ctx context.Context, w store.Workspace, first store.WorkspaceBuild) (store.Workspace, store.WorkspaceBuild, error) {
	if w.ID == uuid.Nil {
		w.ID = uuid.New()
	}
	w.CreatedAt, w.UpdatedAt = createdUpdated(w.CreatedAt, w.UpdatedAt)
	w.Deleted, w.StateCiphertext, w.StateKeyID = false, nil, ""
	if first.CreatedAt.IsZero() {
		first.CreatedAt = w.CreatedAt
	}
	first.WorkspaceID, first.BuildNumber = w.ID, 1
	first = newBuild(first)
	err := s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO workspaces (`+workspaceColumns+`) VALUES (?, ?, ?, ?, false, ?, ?, ?)`,
			w.ID, w.Name, w.OwnerID, w.TemplateID, w.CreatedAt, w.UpdatedAt, w.SecretRefresh); err != nil {
			return err
		}
		return insertBuild(ctx, c, first)
	})
	if err != nil {
		return store.Workspace{}, store.WorkspaceBuild{}, fmt.Errorf("insert workspace: %w", err)
	}
	return w, first, nil
}

func (s *Store) GetWorkspaceByID(ctx context.Context, id uuid.UUID) (_ store.Workspace, err error) {
	defer wrap(&err, "get workspace by id")
	return one(ctx, s.read(), scanWorkspaceMeta, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = ?`, id)
}

func (s *Store) GetWorkspaceByOwnerAndName(ctx context.Context, ownerID uuid.UUID, name string) (_ store.Workspace, err error) {
	defer wrap(&err, "get workspace by owner and name")
	return one(ctx, s.read(), scanWorkspaceMeta,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE owner_id = ? AND name = ? AND deleted = false`, ownerID, name)
}

func (s *Store) ListWorkspaces(ctx context.Context, ownerID uuid.UUID) (_ []store.Workspace, err error) {
	defer wrap(&err, "list workspaces")
	return all(ctx, s.read(), scanWorkspaceMeta,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE owner_id = ? AND deleted = false ORDER BY name, id`, ownerID)
}

func (s *Store) SetWorkspaceSecretRefresh(ctx context.Context, id uuid.UUID, refresh string, now time.Time) (_ store.Workspace, err error) {
	defer wrap(&err, "set workspace secret refresh")
	now = storedTimeOrNow(now)
	var w store.Workspace
	err = s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE workspaces SET secret_refresh = ?, updated_at = ? WHERE id = ? AND deleted = false`, refresh, now, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		w, err = one(ctx, c, scanWorkspaceMeta, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = ?`, id)
		return err
	})
	return w, err
}

func (s *Store) GetWorkspaceState(ctx context.Context, id uuid.UUID) (_ []byte, _ string, err error) {
	defer wrap(&err, "get workspace state")
	var ct []byte
	var keyID *string
	if err := s.read().row(ctx, []any{&ct, &keyID}, `SELECT state_ciphertext, state_key_id FROM workspaces WHERE id = ?`, id); err != nil || keyID == nil {
		return nil, "", err
	}
	return nonNilBytes(ct), *keyID, nil
}

func (s *Store) WorkspaceStateKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "workspace state key ids")
	return s.keyIDCounts(ctx,
		`SELECT state_key_id, COUNT(*) FROM workspaces WHERE state_key_id IS NOT NULL GROUP BY state_key_id`)
}

func (s *Store) ListWorkspacesByStateKeyID(ctx context.Context, keyID string, limit int) (_ []store.Workspace, err error) {
	defer wrap(&err, "list workspaces by state key id")
	return all(ctx, s.read(), scanWorkspaceState,
		`SELECT `+workspaceStateColumns+` FROM workspaces WHERE state_key_id = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceWorkspaceState leaves updated_at alone.
func (s *Store) ReplaceWorkspaceState(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace workspace state")
	return s.replaceSealed(ctx, "workspaces", `state_ciphertext = ?, state_key_id = ?`, `state_key_id = ?`,
		[]any{nonNilBytes(ciphertext), newKeyID}, id, oldKeyID)
}

// scanWorkspaceMeta and scanWorkspaceState read a row of workspaceColumns
// and of workspaceStateColumns.
func scanWorkspaceMeta(r Row) (store.Workspace, error)  { return scanWorkspace(r, false) }
func scanWorkspaceState(r Row) (store.Workspace, error) { return scanWorkspace(r, true) }

func scanWorkspace(row Row, withState bool) (store.Workspace, error) {
	var w store.Workspace
	var keyID *string
	dest := []any{&w.ID, &w.Name, &w.OwnerID, &w.TemplateID, &w.Deleted, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}, &w.SecretRefresh}
	if withState {
		dest = append(dest, &w.StateCiphertext, &keyID)
	}
	if err := row.Scan(dest...); err != nil {
		return store.Workspace{}, err
	}
	if keyID != nil {
		w.StateCiphertext, w.StateKeyID = nonNilBytes(w.StateCiphertext), *keyID
	} else {
		w.StateCiphertext = nil
	}
	return w, nil
}
