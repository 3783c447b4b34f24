package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// insertResources records a successful build's resources, in CompleteBuild's
// transaction.
func insertResources(ctx context.Context, c conn, buildID uuid.UUID, rs []store.WorkspaceResource, now time.Time) error {
	for _, r := range rs {
		if r.ID == uuid.Nil {
			r.ID = uuid.New()
		}
		if _, err := c.exec(ctx, `INSERT INTO workspace_resources
			(id, build_id, address, type, name, hide, icon, daily_cost, metadata, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, buildID, cleanText(r.Address), cleanText(r.Type), cleanText(r.Name), r.Hide, cleanText(r.Icon),
			r.DailyCost, nonNilBytes(r.Metadata), storedTimeOrNow(now)); err != nil {
			return fmt.Errorf("resource %q: %w", r.Address, err)
		}
	}
	return nil
}

// ListResourcesByBuild returns the build's resources by address.
func (s *Store) ListResourcesByBuild(ctx context.Context, buildID uuid.UUID) (_ []store.WorkspaceResource, err error) {
	defer wrap(&err, "list resources by build")
	return all(ctx, s.read(), func(r Row) (store.WorkspaceResource, error) {
		var w store.WorkspaceResource
		err := r.Scan(&w.ID, &w.BuildID, &w.Address, &w.Type, &w.Name, &w.Hide, &w.Icon, &w.DailyCost, &w.Metadata,
			timeCol{&w.CreatedAt})
		w.Metadata = nilIfEmpty(w.Metadata)
		return w, err
	}, `SELECT id, build_id, address, type, name, hide, icon, daily_cost, metadata, created_at
		FROM workspace_resources WHERE build_id = ? ORDER BY address, id`, buildID)
}

// UpsertAppHealth records each health, replacing the agent's earlier one
// for that slug.
func (s *Store) UpsertAppHealth(ctx context.Context, health []store.AppHealth) (err error) {
	defer wrap(&err, "upsert app health")
	if len(health) == 0 {
		return nil
	}
	return s.write(ctx, func(c conn) error {
		for _, h := range health {
			if err := c.exists(ctx, `SELECT 1 FROM workspace_agents WHERE id = ?`, h.AgentID); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
			if _, err := c.exec(ctx, `INSERT INTO workspace_app_health (agent_id, slug, health, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (agent_id, slug) DO UPDATE SET health = excluded.health, updated_at = excluded.updated_at`,
				h.AgentID, cleanText(h.Slug), cleanText(h.Health), storedTimeOrNow(h.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListAppHealth returns the agent's reported healths by slug.
func (s *Store) ListAppHealth(ctx context.Context, agentID uuid.UUID) (_ []store.AppHealth, err error) {
	defer wrap(&err, "list app health")
	return all(ctx, s.read(), func(r Row) (store.AppHealth, error) {
		var h store.AppHealth
		return h, r.Scan(&h.AgentID, &h.Slug, &h.Health, timeCol{&h.UpdatedAt})
	}, `SELECT agent_id, slug, health, updated_at FROM workspace_app_health WHERE agent_id = ? ORDER BY slug`, agentID)
}
