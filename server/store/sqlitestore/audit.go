package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// insertAudit writes e in tx. A zero ID is generated; ResourceType
// defaults to "secret". e never carries a value, only field names.
func insertAudit(ctx context.Context, tx *sql.Tx, e store.AuditEntry) error {
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
	fj, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
			(id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, toMicros(e.Time), e.ActorID, e.Action, e.ResourceType, e.ResourceID, e.OwnerID, e.ResourceName, string(fj))
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", mapErr(err))
	}
	return nil
}

// ListAuditEntries returns up to limit entries, newest first (by time, then
// by insertion order). A limit of zero or less means no limit.
func (s *Store) ListAuditEntries(ctx context.Context, limit int) ([]store.AuditEntry, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT
			id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields
		FROM audit_log ORDER BY time DESC, seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var (
			e      store.AuditEntry
			t      int64
			fields string
		)
		if err := rows.Scan(&e.ID, &t, &e.ActorID, &e.Action, &e.ResourceType, &e.ResourceID,
			&e.OwnerID, &e.ResourceName, &fields); err != nil {
			return nil, fmt.Errorf("list audit entries: %w", err)
		}
		e.Time = fromMicros(t)
		if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
			return nil, fmt.Errorf("list audit entries: fields of %s: %w", e.ID, err)
		}
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
