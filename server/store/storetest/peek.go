package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// Test-only reads of what store.Store does not offer (the store writes the
// audit log but nothing reads it), for this suite and the server's tests.
// Those that need SQL run it on the store's database, which a store (or a
// decorator's Unwrap chain) exposes with DB; their queries take no
// parameters, so they run unchanged on either database.

// DBer is a store whose database the test-only reads may query.
type DBer interface{ DB() *sql.DB }

// dbOf returns the database under s, unwrapping decorators.
func dbOf(s store.Store) (*sql.DB, error) {
	for {
		if d, ok := s.(DBer); ok {
			return d.DB(), nil
		}
		u, ok := s.(interface{ Unwrap() store.Store })
		if !ok {
			return nil, fmt.Errorf("%T exposes no database (DB or Unwrap)", s)
		}
		s = u.Unwrap()
	}
}

// SecretWithValue returns the owner's secret name with its ciphertext and
// key id, or store.ErrNotFound.
func SecretWithValue(ctx context.Context, s store.Store, ownerID uuid.UUID, name string) (store.Secret, error) {
	all, err := s.ListSecretsWithValues(ctx, ownerID)
	if err != nil {
		return store.Secret{}, err
	}
	for _, sec := range all {
		if sec.Name == name {
			return sec, nil
		}
	}
	return store.Secret{}, store.ErrNotFound
}

// AgentByID returns the agent with id, or store.ErrNotFound: it looks
// through the agents of every config key id ("" for those not sealed yet).
func AgentByID(ctx context.Context, s store.Store, id uuid.UUID) (store.WorkspaceAgent, error) {
	keys, err := s.AgentConfigKeyIDs(ctx)
	if err != nil {
		return store.WorkspaceAgent{}, err
	}
	keys[""] = 0
	for k := range keys {
		agents, err := s.ListAgentsByConfigKeyID(ctx, k, 0)
		if err != nil {
			return store.WorkspaceAgent{}, err
		}
		for _, a := range agents {
			if a.ID == id {
				return a, nil
			}
		}
	}
	return store.WorkspaceAgent{}, store.ErrNotFound
}

// AllWorkspaces returns every live workspace, of every owner, sorted by
// name then id, without their states.
func AllWorkspaces(ctx context.Context, s store.Store) ([]store.Workspace, error) {
	db, err := dbOf(s)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id FROM workspaces WHERE deleted = false ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []store.Workspace{}
	for _, id := range ids {
		w, err := s.GetWorkspaceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// AuditEntries returns up to limit audit entries (all for limit <= 0),
// newest first (by time, then by insertion order).
func AuditEntries(ctx context.Context, s store.Store, limit int) ([]store.AuditEntry, error) {
	db, err := dbOf(s)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, time, actor_id, action, resource_type, resource_id, owner_id, resource_name, fields
		FROM audit_log ORDER BY time DESC, seq DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var (
			e      store.AuditEntry
			tm     any
			fields string
		)
		if err := rows.Scan(&e.ID, &tm, &e.ActorID, &e.Action, &e.ResourceType, &e.ResourceID,
			&e.OwnerID, &e.ResourceName, &fields); err != nil {
			return nil, err
		}
		if e.Time, err = anyTime(tm); err != nil {
			return nil, err
		}
		if e.Fields, err = parseFields(fields); err != nil {
			return nil, fmt.Errorf("fields of %s: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// parseFields reads the audit log's fields column: a JSON array (SQLite)
// or a text[] literal (PostgreSQL) of plain names. Empty is nil.
func parseFields(s string) ([]string, error) {
	var out []string
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
		return nil, errors.New("neither a JSON array nor a text[]")
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// anyTime reads a time column: a timestamp (PostgreSQL) or INTEGER
// microseconds since the Unix epoch (SQLite).
func anyTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case int64:
		return time.UnixMicro(v).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unexpected time %T", v)
}

// AppliedVersions returns the migration versions goose recorded as applied
// in db, in order (without goose's version 0).
func AppliedVersions(t testing.TB, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version_id FROM goose_db_version
		WHERE version_id > 0 AND is_applied ORDER BY version_id`)
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("read goose_db_version: %v", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	return out
}
