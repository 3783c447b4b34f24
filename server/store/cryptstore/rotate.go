package cryptstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// Rotate makes the database match the configured keys, at a server's
// start. A key id sealing a stored secret value, workspace state, template
// version's variables or agent config that is not configured is an error that says which: the server
// must not start. Then it re-seals with the primary key every row an older
// key sealed, and seals the configs of agents recorded before configs were
// sealed. A row that does not open (altered) is left as it is, counted in
// the log: it fails alone when read. Rows changed concurrently (another
// server process) are skipped: a primary key already seals them.
func (s *Store) Rotate(ctx context.Context) error {
	inUse, err := s.backend.SecretKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("list encryption key ids in use: %w", err)
	}
	var missing []string
	for id, n := range inUse {
		if !s.keys.Has(id) {
			missing = append(missing, fmt.Sprintf("%s (%d secret(s))", id, n))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("the database holds secrets sealed with encryption key id %s, which is not among the configured keys (%s): start the server with the key file or encryption keys this database was created with",
			strings.Join(missing, ", "), strings.Join(s.keys.IDs(), ", "))
	}
	n, bad, err := secretcrypt.Reseal(ctx, s.keys, inUse,
		func(ctx context.Context, keyID string) ([]store.Secret, error) {
			return s.backend.ListSecretsByKeyID(ctx, keyID, 100)
		},
		func(r store.Secret) ([]byte, []byte) { return r.Ciphertext, secretcrypt.SecretAAD(r.OwnerID, r.ID) },
		func(ctx context.Context, r store.Secret, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			return replaced(s.backend.ReplaceSecretCiphertext(ctx, r.ID, oldKeyID, ct, newKeyID))
		})
	s.logResealed(n, bad, "secrets whose stored value does not open were left sealed with their old key",
		"re-encrypted secrets with the primary key")
	if err != nil {
		return fmt.Errorf("re-encrypt secrets with the primary key: %w", err)
	}
	err = resealColumn(ctx, s, "state", "workspace states", s.backend.WorkspaceStateKeyIDs,
		s.backend.ListWorkspacesByStateKeyID,
		func(w store.Workspace) ([]byte, []byte) { return w.StateCiphertext, secretcrypt.StateAAD(w.ID) },
		func(ctx context.Context, w store.Workspace, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			return replaced(s.backend.ReplaceWorkspaceState(ctx, w.ID, oldKeyID, ct, newKeyID))
		})
	if err != nil {
		return err
	}
	err = resealColumn(ctx, s, "template variables", "template variables", s.backend.VariablesKeyIDs,
		s.backend.ListVersionPlansByVariablesKeyID,
		func(p store.VersionPlan) ([]byte, []byte) {
			return p.VariablesCiphertext, secretcrypt.VariablesAAD(p.VersionID)
		},
		func(ctx context.Context, p store.VersionPlan, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			return replaced(s.backend.ReplaceVersionVariables(ctx, p.VersionID, oldKeyID, ct, newKeyID))
		})
	if err != nil {
		return err
	}
	err = resealColumn(ctx, s, "build secret", "build secrets", s.backend.BuildSecretKeyIDs,
		s.backend.ListBuildSecretsByKeyID,
		func(b store.BuildSecret) ([]byte, []byte) {
			return b.Ciphertext, secretcrypt.BuildSecretAAD(b.BuildID, b.Name)
		},
		func(ctx context.Context, b store.BuildSecret, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			return replaced(s.backend.ReplaceBuildSecretCiphertext(ctx, b.BuildID, b.Name, oldKeyID, ct, newKeyID))
		})
	if err != nil {
		return err
	}
	return s.resealAgentConfigs(ctx)
}

// replaced turns a Replace* result into Reseal's: a row gone or changed
// meanwhile is not an error.
func replaced(err error) (bool, error) {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) logResealed(n, bad int, badMsg, doneMsg string) {
	if bad > 0 {
		s.logger.Warn(badMsg, "count", bad)
	}
	if n > 0 {
		s.logger.Info(doneMsg, "count", n, "key_id", s.keys.PrimaryID())
	}
}

// resealColumn makes sure every key id sealing a workspace state or an
// agent config (plural, "state" for short) is configured, and re-seals
// with the primary key what older keys sealed, 50 rows at a time.
func resealColumn[T any](ctx context.Context, s *Store, short, plural string,
	keyIDs func(context.Context) (map[string]int, error),
	list func(ctx context.Context, keyID string, limit int) ([]T, error),
	sealed func(T) (ciphertext, aad []byte),
	replace func(ctx context.Context, row T, oldKeyID string, ct []byte, newKeyID string) (bool, error),
) error {
	inUse, err := keyIDs(ctx)
	if err != nil {
		return fmt.Errorf("list %s key ids: %w", short, err)
	}
	for id, n := range inUse {
		if !s.keys.Has(id) {
			return fmt.Errorf("the database holds %d %s(s) sealed with encryption key id %s, which is not among the configured keys (%s)",
				n, strings.TrimSuffix(plural, "s"), id, strings.Join(s.keys.IDs(), ", "))
		}
	}
	n, bad, err := secretcrypt.Reseal(ctx, s.keys, inUse,
		func(ctx context.Context, keyID string) ([]T, error) { return list(ctx, keyID, 50) }, sealed, replace)
	if err != nil {
		return fmt.Errorf("re-seal %s: %w", plural, err)
	}
	s.logResealed(n, bad, plural+" that do not open were left sealed with their old key",
		"re-sealed "+plural+" with the primary key")
	return nil
}

// resealAgentConfigs re-seals the agent configs (resealColumn), then seals
// the agents recorded before agent configs were sealed (clearing their
// plaintext columns).
func (s *Store) resealAgentConfigs(ctx context.Context) error {
	replace := func(ctx context.Context, a store.WorkspaceAgent, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
		return replaced(s.backend.ReplaceAgentConfig(ctx, a.ID, oldKeyID, ct, newKeyID))
	}
	err := resealColumn(ctx, s, "agent config", "agent configs", s.backend.AgentConfigKeyIDs,
		s.backend.ListAgentsByConfigKeyID,
		func(a store.WorkspaceAgent) ([]byte, []byte) {
			return a.ConfigCiphertext, secretcrypt.AgentConfigAAD(a.ID)
		},
		replace)
	if err != nil {
		return err
	}
	// Rows from before: each one sealed leaves the set listed by "".
	sealedOld := 0
	for {
		rows, err := s.backend.ListAgentsByConfigKeyID(ctx, "", 50)
		if err != nil {
			return fmt.Errorf("list agents not sealed yet: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			a, err := s.sealAgentConfig(r)
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
