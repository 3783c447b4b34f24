package cryptstore

import (
	"context"

	"github.com/usersecrets/coder/server/store"
)

// GetAgentAuth returns the agent (its config opened, or ConfigErr set when
// it does not open) with its workspace, latest build and owner.
func (s *Store) GetAgentAuth(ctx context.Context, hash []byte) (*store.AgentAuth, error) {
	r, err := s.backend.GetAgentAuth(ctx, hash)
	if err != nil {
		return nil, err
	}
	s.openAgentConfig(&r.Agent)
	return r, nil
}

// GetAgentAuthSealed is GetAgentAuth without opening the agent's config:
// its ConfigCiphertext and ConfigKeyID are as stored, and OpenAgentConfig
// opens it. The agent API opens it only for a request that reads it, so
// that a manifest served from memory costs no decryption (opening the
// config of every fetch was a third of the server's CPU under 1,000
// agents).
func (s *Store) GetAgentAuthSealed(ctx context.Context, hash []byte) (*store.AgentAuth, error) {
	return s.backend.GetAgentAuth(ctx, hash)
}

// OpenAgentConfig opens, in place, the sealed config of an agent that
// GetAgentAuthSealed returned: the config fields are set, or ConfigErr.
// An agent without a sealed config is left as it is.
func (s *Store) OpenAgentConfig(a *store.WorkspaceAgent) {
	s.openAgentConfig(a)
}
