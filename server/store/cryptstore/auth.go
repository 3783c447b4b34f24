package cryptstore

import (
	"context"

	"github.com/usersecrets/coder/server/store"
)

// GetAgentAuth returns the agent (its config opened, or ConfigErr set when
// it does not open) with its workspace, latest build and owner.
func (s *Store) GetAgentAuth(ctx context.Context, hash []byte) (store.AgentAuth, error) {
	r, err := s.backend.GetAgentAuth(ctx, hash)
	if err != nil {
		return r, err
	}
	r.Agent = s.openAgentConfig(r.Agent)
	return r, nil
}
