package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/usersecrets/coder/server/provisioner"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// checkAgentConfigKeys makes sure every sealed agent config names a
// configured key, re-seals configs sealed by an older key, and seals the
// agents recorded before agent configs were sealed (clearing their
// plaintext columns).
func (s *Server) checkAgentConfigKeys(ctx context.Context) error {
	inUse, err := s.ws.AgentConfigKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("list agent config key ids: %w", err)
	}
	for id, n := range inUse {
		if !s.opts.Keys.Has(id) {
			return fmt.Errorf("the database holds %d agent config(s) sealed with encryption key id %s, which is not among the configured keys (%s)", n, id, strings.Join(s.opts.Keys.IDs(), ", "))
		}
	}
	replace := func(ctx context.Context, a store.WorkspaceAgent, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
		err := s.ws.ReplaceAgentConfig(ctx, a.ID, oldKeyID, ct, newKeyID)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return false, nil
		}
		return err == nil, err
	}
	n, bad, err := secretcrypt.Reseal(ctx, s.opts.Keys, inUse,
		func(ctx context.Context, keyID string) ([]store.WorkspaceAgent, error) {
			return s.ws.ListAgentsByConfigKeyID(ctx, keyID, 50)
		},
		func(a store.WorkspaceAgent) ([]byte, []byte) {
			return a.ConfigCiphertext, secretcrypt.AgentConfigAAD(a.ID)
		},
		replace)
	if err != nil {
		return fmt.Errorf("re-seal agent configs: %w", err)
	}
	if bad > 0 {
		s.logger.Warn("agent configs that do not open were left sealed with their old key", "count", bad)
	}
	if n > 0 {
		s.logger.Info("re-sealed agent configs with the primary key", "count", n, "key_id", s.opts.Keys.PrimaryID())
	}
	// Rows from before: each one sealed leaves the set listed by "".
	sealedOld := 0
	for {
		rows, err := s.ws.ListAgentsByConfigKeyID(ctx, "", 50)
		if err != nil {
			return fmt.Errorf("list agents not sealed yet: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			a, err := provisioner.SealAgentConfig(s.opts.Keys, r)
			if err != nil {
				return err
			}
			ok, err := replace(ctx, r, "", a.ConfigCiphertext, a.ConfigKeyID)
			if err != nil {
				return fmt.Errorf("seal an agent's config: %w", err)
			}
			if ok {
				sealedOld++
			}
		}
	}
	if sealedOld > 0 {
		s.logger.Info("sealed the config of agents recorded before configs were sealed", "count", sealedOld)
	}
	return nil
}
