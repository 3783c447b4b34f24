package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SetAgentRelay records that agentID is connected to the server reachable
// at relayURL (replacing any earlier record).
func (s *Store) SetAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string, at time.Time) (err error) {
	defer wrap(&err, "set agent relay")
	return s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO agent_relays (agent_id, relay_url, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (agent_id) DO UPDATE SET relay_url = excluded.relay_url, updated_at = excluded.updated_at`,
			agentID, relayURL, at.UTC())
		return err
	})
}

// ClearAgentRelay removes the record of agentID if it still names relayURL.
func (s *Store) ClearAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string) (err error) {
	defer wrap(&err, "clear agent relay")
	return s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `DELETE FROM agent_relays WHERE agent_id = ? AND relay_url = ?`, agentID, relayURL)
		return err
	})
}

// GetAgentRelay returns the relay URL recorded for agentID, or
// store.ErrNotFound.
func (s *Store) GetAgentRelay(ctx context.Context, agentID uuid.UUID) (string, error) {
	var u string
	if err := s.read().row(ctx, []any{&u}, `SELECT relay_url FROM agent_relays WHERE agent_id = ?`, agentID); err != nil {
		return "", fmt.Errorf("get agent relay: %w", err)
	}
	return u, nil
}
