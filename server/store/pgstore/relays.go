package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
)

// SetAgentRelay records that agentID is connected to the server reachable
// at relayURL (replacing any earlier record).
func (s *Store) SetAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO agent_relays (agent_id, relay_url, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (agent_id) DO UPDATE SET relay_url = excluded.relay_url, updated_at = excluded.updated_at`,
		agentID, relayURL, at.UTC())
	if err != nil {
		return fmt.Errorf("set agent relay: %w", mapErr(err))
	}
	return nil
}

// ClearAgentRelay removes the record of agentID if it still names relayURL.
func (s *Store) ClearAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM agent_relays WHERE agent_id = $1 AND relay_url = $2`, agentID, relayURL)
	if err != nil {
		return fmt.Errorf("clear agent relay: %w", mapErr(err))
	}
	return nil
}

// GetAgentRelay returns the relay URL recorded for agentID, or
// store.ErrNotFound.
func (s *Store) GetAgentRelay(ctx context.Context, agentID uuid.UUID) (string, error) {
	var u string
	err := s.pool.QueryRow(ctx, `SELECT relay_url FROM agent_relays WHERE agent_id = $1`, agentID).Scan(&u)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("get agent relay: %w", mapErr(err))
	}
	return u, nil
}
