package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// insertAudit writes e in a write transaction. A zero ID is generated;
// ResourceType defaults to "secret". e never carries a value, only field
// names. The audit log is written, never read, by the store.
func insertAudit(ctx context.Context, c conn, e store.AuditEntry) error {
	if e.ID == uuid.Nil {
		e.ID = uuid.New()
	}
	if e.ResourceType == "" {
		e.ResourceType = "secret"
	}
	fields := e.Fields
	if fields == nil {
		fields = []string{}
	}
	_, err := c.exec(ctx, `INSERT INTO audit_log
			(id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Time, e.ActorID, e.Action, e.ResourceType, e.ResourceID, e.OwnerID, e.ResourceName, fields)
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	return nil
}
