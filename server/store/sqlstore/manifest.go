package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

func (s *Store) RecordManifestRevision(ctx context.Context, agentID uuid.UUID, revision string, delivered []byte, at time.Time) (err error) {
	defer wrap(&err, "record manifest revision")
	at = storedTimeOrNow(at)
	return s.write(ctx, func(c conn) error {
		if err := c.exists(ctx, `SELECT 1 FROM workspace_agents WHERE id = ?`, agentID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO agent_manifest_revisions (agent_id, revision, delivered, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (agent_id, revision) DO NOTHING`, agentID, cleanText(revision), cleanText(string(delivered)), at)
		return err
	})
}

func (s *Store) AckManifestRevision(ctx context.Context, agentID uuid.UUID, revision string, staleFiles []byte, home string, at time.Time) (err error) {
	defer wrap(&err, "ack manifest revision")
	at = storedTimeOrNow(at)
	return s.write(ctx, func(c conn) error {
		var delivered string
		if err := c.row(ctx, []any{&delivered}, `SELECT delivered FROM agent_manifest_revisions WHERE agent_id = ? AND revision = ?`,
			agentID, revision); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO agent_applied (agent_id, revision, delivered, stale_files, home, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (agent_id) DO UPDATE SET revision = excluded.revision, delivered = excluded.delivered,
				stale_files = excluded.stale_files, home = excluded.home, updated_at = excluded.updated_at`,
			agentID, revision, delivered, cleanText(string(staleFiles)), cleanText(home), at)
		return err
	})
}

func (s *Store) ListAgentApplied(ctx context.Context, buildID uuid.UUID) (_ []store.AgentApplied, err error) {
	defer wrap(&err, "list agent applied")
	return all(ctx, s.read(), func(r Row) (store.AgentApplied, error) {
		var a store.AgentApplied
		var delivered, stale string
		if err := r.Scan(&a.AgentID, &a.Revision, &delivered, &stale, &a.Home, timeCol{&a.UpdatedAt}); err != nil {
			return a, err
		}
		a.Delivered, a.StaleFiles = []byte(delivered), nilIfEmpty([]byte(stale))
		return a, nil
	}, `SELECT p.agent_id, p.revision, p.delivered, p.stale_files, p.home, p.updated_at
		FROM agent_applied p JOIN workspace_agents a ON a.id = p.agent_id
		WHERE a.build_id = ? ORDER BY p.agent_id`, buildID)
}
