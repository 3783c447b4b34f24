package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

// Column lists. workspaceColumns never includes the sealed state: only
// GetWorkspaceState and ListWorkspacesByStateKeyID read it.
const (
	workspaceColumns      = `id, name, owner_id, template_id, deleted, created_at, updated_at`
	workspaceStateColumns = workspaceColumns + `, state_ciphertext, state_key_id`
)

// InsertWorkspace stores w (live, with no state: w's Deleted and state
// fields are ignored) and its first build (number 1, for w; status pending
// when empty) in one write transaction. A live workspace of the owner with
// the same name is a *store.ConflictError with Field "name" (the partial
// unique index makes a concurrent insert wait and then fail); an unknown
// owner, template or template version is store.ErrNotFound. Zero ids are
// generated, a zero w.CreatedAt is now, a zero w.UpdatedAt is w.CreatedAt,
// a zero first.CreatedAt is w.CreatedAt.
func (s *Store) InsertWorkspace(ctx context.Context, w store.Workspace, first store.WorkspaceBuild) (store.Workspace, store.WorkspaceBuild, error) {
	w = newWorkspace(w)
	if first.CreatedAt.IsZero() {
		first.CreatedAt = w.CreatedAt
	}
	first.WorkspaceID, first.BuildNumber = w.ID, 1
	first = newBuild(first)
	err := s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO workspaces (`+workspaceColumns+`) VALUES (?, ?, ?, ?, false, ?, ?)`,
			w.ID, w.Name, w.OwnerID, w.TemplateID, w.CreatedAt, w.UpdatedAt); err != nil {
			return err
		}
		return insertBuild(ctx, c, first)
	})
	if err != nil {
		return store.Workspace{}, store.WorkspaceBuild{}, fmt.Errorf("insert workspace: %w", err)
	}
	return w, first, nil
}

// newWorkspace returns w as InsertWorkspace stores it.
func newWorkspace(w store.Workspace) store.Workspace {
	if w.ID == uuid.Nil {
		w.ID = uuid.New()
	}
	w.CreatedAt = secretwrite.TimeOrNow(w.CreatedAt)
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	} else {
		w.UpdatedAt = secretwrite.Time(w.UpdatedAt)
	}
	w.Deleted, w.StateCiphertext, w.StateKeyID = false, nil, ""
	return w
}

// GetWorkspaceByID returns the workspace with id, deleted or not, without
// its state; store.ErrNotFound if there is none.
func (s *Store) GetWorkspaceByID(ctx context.Context, id uuid.UUID) (store.Workspace, error) {
	w, err := s.getWorkspace(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = ?`, id)
	if err != nil {
		return store.Workspace{}, fmt.Errorf("get workspace by id: %w", err)
	}
	return w, nil
}

// GetWorkspaceByOwnerAndName returns the owner's live workspace name
// (compared byte for byte), without its state; store.ErrNotFound if there
// is none.
func (s *Store) GetWorkspaceByOwnerAndName(ctx context.Context, ownerID uuid.UUID, name string) (store.Workspace, error) {
	w, err := s.getWorkspace(ctx,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE owner_id = ? AND name = ? AND deleted = false`, ownerID, name)
	if err != nil {
		return store.Workspace{}, fmt.Errorf("get workspace by owner and name: %w", err)
	}
	return w, nil
}

// ListWorkspaces returns the owner's live workspaces sorted by name,
// without their states.
func (s *Store) ListWorkspaces(ctx context.Context, ownerID uuid.UUID) ([]store.Workspace, error) {
	out, err := s.queryWorkspaces(ctx, false,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE owner_id = ? AND deleted = false ORDER BY name, id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	return out, nil
}

// GetWorkspaceState returns the sealed state of workspace id (deleted or
// not) and the id of the key that sealed it: nil and "" when no build has
// recorded one; store.ErrNotFound if there is no such workspace.
func (s *Store) GetWorkspaceState(ctx context.Context, id uuid.UUID) ([]byte, string, error) {
	var (
		ct    []byte
		keyID sql.NullString
	)
	err := s.read().row(ctx, []any{&ct, &keyID}, `SELECT state_ciphertext, state_key_id FROM workspaces WHERE id = ?`, id)
	if err != nil {
		return nil, "", fmt.Errorf("get workspace state: %w", err)
	}
	if !keyID.Valid {
		return nil, "", nil
	}
	return nonNilBytes(ct), keyID.String, nil
}

// WorkspaceStateKeyIDs returns each key id sealing a workspace state with
// its row count. Deleted workspaces count: their states stay sealed.
func (s *Store) WorkspaceStateKeyIDs(ctx context.Context) (map[string]int, error) {
	out, err := s.keyIDCounts(ctx,
		`SELECT state_key_id, COUNT(*) FROM workspaces WHERE state_key_id IS NOT NULL GROUP BY state_key_id`)
	if err != nil {
		return nil, fmt.Errorf("workspace state key ids: %w", err)
	}
	return out, nil
}

// ListWorkspacesByStateKeyID returns up to limit workspaces (deleted ones
// included) whose state is sealed by keyID, with their states, ordered by
// id. A limit of zero or less means no limit.
func (s *Store) ListWorkspacesByStateKeyID(ctx context.Context, keyID string, limit int) ([]store.Workspace, error) {
	out, err := s.queryWorkspaces(ctx, true,
		`SELECT `+workspaceStateColumns+` FROM workspaces WHERE state_key_id = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("list workspaces by state key id: %w", err)
	}
	return out, nil
}

// ReplaceWorkspaceState swaps the sealed state and key id of workspace id
// (deleted or not) if it is still sealed by oldKeyID. It returns
// store.ErrNotFound if there is no such workspace and a
// *store.ConflictError with Field "key_id" if its state has been resealed
// or replaced by a build meanwhile. It leaves updated_at alone.
func (s *Store) ReplaceWorkspaceState(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error {
	if err := s.replaceSealed(ctx, "workspaces", "state_ciphertext", "state_key_id", id, oldKeyID, ciphertext, newKeyID); err != nil {
		return fmt.Errorf("replace workspace state: %w", err)
	}
	return nil
}

// scanWorkspace reads one row of workspaceColumns, or of
// workspaceStateColumns when withState.
func scanWorkspace(row scanner, withState bool) (store.Workspace, error) {
	var (
		w     store.Workspace
		keyID sql.NullString
	)
	dest := []any{&w.ID, &w.Name, &w.OwnerID, &w.TemplateID, &w.Deleted, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}}
	if withState {
		dest = append(dest, &w.StateCiphertext, &keyID)
	}
	if err := row.Scan(dest...); err != nil {
		return store.Workspace{}, err
	}
	if keyID.Valid {
		w.StateCiphertext, w.StateKeyID = nonNilBytes(w.StateCiphertext), keyID.String
	} else {
		w.StateCiphertext = nil
	}
	return w, nil
}

func (s *Store) getWorkspace(ctx context.Context, query string, args ...any) (store.Workspace, error) {
	w, err := scanWorkspace(s.db.QueryRowContext(ctx, s.sql(query), s.args(args)...), false)
	return w, s.mapErr(err)
}

func (s *Store) queryWorkspaces(ctx context.Context, withState bool, query string, args ...any) ([]store.Workspace, error) {
	rows, err := s.read().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(r scanner) (store.Workspace, error) { return scanWorkspace(r, withState) })
	return out, s.mapErr(err)
}
