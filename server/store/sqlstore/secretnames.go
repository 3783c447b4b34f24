package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

func (s *Store) ListSecretNames(ctx context.Context) (_ []store.SecretName, err error) {
	defer wrap(&err, "list secret names")
	return all(ctx, s.read(), func(r Row) (store.SecretName, error) {
		var n store.SecretName
		err := r.Scan(&n.ID, &n.OwnerID, &n.Name)
		return n, err
	}, `SELECT id, owner_id, name FROM secrets ORDER BY owner_id, name`)
}

// RenameSecret changes neither updated_at nor any target; the audit entry
// is an update of the name, by the server (the nil actor).
func (s *Store) RenameSecret(ctx context.Context, id uuid.UUID, newName string) (err error) {
	defer wrap(&err, "rename secret")
	return s.write(ctx, func(c conn) error {
		var owner uuid.UUID
		if err := c.row(ctx, []any{&owner}, `SELECT owner_id FROM secrets WHERE id = ?`, id); err != nil {
			return err
		}
		if err := s.lockOwner(ctx, c, owner); err != nil {
			return err
		}
		if err := checkSecretConflicts(ctx, c, owner, id, newName, "", ""); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE secrets SET name = ? WHERE id = ?`, newName, id); err != nil {
			return err
		}
		return insertAudit(ctx, c, store.AuditEntry{Time: storedTimeOrNow(time.Time{}), ActorID: uuid.Nil,
			Action: store.AuditUpdate, ResourceID: id, OwnerID: owner, ResourceName: newName, Fields: []string{"name"}})
	})
}
