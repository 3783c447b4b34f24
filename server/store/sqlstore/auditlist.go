package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// ListAuditEntries builds one query from the filter's set fields. The
// fields column is read as text on both databases (a JSON array on SQLite,
// a text[] literal on PostgreSQL) and parsed here.
func (s *Store) ListAuditEntries(ctx context.Context, f store.AuditFilter) (_ []store.AuditEntry, err error) {
	defer wrap(&err, "list audit entries")
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.OwnerID != uuid.Nil {
		add("owner_id = ?", f.OwnerID)
	}
	if f.ActorID != uuid.Nil {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ResourceType != "" {
		add("resource_type = ?", f.ResourceType)
	}
	if f.ResourceID != uuid.Nil {
		add("resource_id = ?", f.ResourceID)
	}
	if f.ResourceName != "" {
		add("resource_name = ?", f.ResourceName)
	}
	if !f.Since.IsZero() {
		add("time >= ?", storedTime(f.Since))
	}
	if !f.Until.IsZero() {
		add("time < ?", storedTime(f.Until))
	}
	q := `SELECT id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, CAST(fields AS TEXT)
		FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time DESC, seq DESC LIMIT ? OFFSET ?"
	args = append(args, limitArg(f.Limit), max(f.Offset, 0))
	return all(ctx, s.read(), scanAuditEntry, q, args...)
}

func scanAuditEntry(r Row) (store.AuditEntry, error) {
	var e store.AuditEntry
	var fields string
	if err := r.Scan(&e.ID, timeCol{&e.Time}, &e.ActorID, &e.Action, &e.ResourceType, &e.ResourceID,
		&e.OwnerID, &e.ResourceName, &fields); err != nil {
		return e, err
	}
	var err error
	e.Fields, err = auditFieldsFromText(fields)
	return e, err
}

// auditFieldsFromText reads the fields column as text: a JSON array or a
// PostgreSQL array literal of plain names. It is never nil.
func auditFieldsFromText(s string) ([]string, error) {
	out := []string{}
	switch {
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, err
		}
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		if inner := s[1 : len(s)-1]; inner != "" {
			out = strings.Split(inner, ",")
		}
	default:
		return nil, errors.New("audit fields are neither a JSON array nor an array literal")
	}
	return out, nil
}
