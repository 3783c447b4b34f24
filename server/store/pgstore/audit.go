package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
)

// insertAudit writes e in tx. A zero ID is generated; ResourceType
// defaults to "secret". e never carries a value, only field names.
func insertAudit(ctx context.Context, tx pgx.Tx, e store.AuditEntry) error {
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
	_, err := tx.Exec(ctx, `INSERT INTO audit_log
			(id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.Time, e.ActorID, e.Action, e.ResourceType, e.ResourceID, e.OwnerID, e.ResourceName, fields)
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", mapErr(err))
	}
	return nil
}

// ListAuditEntries returns up to limit entries, newest first (by time, then
// by insertion order). A limit of zero or less means no limit.
func (s *Store) ListAuditEntries(ctx context.Context, limit int) ([]store.AuditEntry, error) {
	var lim *int64 // NULL: LIMIT ALL
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := s.pool.Query(ctx, `SELECT
			id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields
		FROM audit_log ORDER BY time DESC, seq DESC LIMIT $1`, lim)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var (
			e store.AuditEntry
			t time.Time
		)
		if err := rows.Scan(&e.ID, &t, &e.ActorID, &e.Action, &e.ResourceType, &e.ResourceID,
			&e.OwnerID, &e.ResourceName, &e.Fields); err != nil {
			return nil, fmt.Errorf("list audit entries: %w", err)
		}
		e.Time = t.UTC()
		if len(e.Fields) == 0 {
			e.Fields = nil
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return out, nil
}
