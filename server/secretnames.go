package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// renameUnreachableSecrets gives a new name to every stored secret whose
// name today's rules refuse: names such as "." or "..", which no URL path
// reaches, names with bidirectional or zero-width characters, or names not
// in NFC (which the CLI and the client send normalized), stored by a
// release without those rules. Their owner could neither read, change nor
// delete them. Each becomes its NFC form if that is allowed and free, else
// renamed-<first 8 hex digits of its id> (the whole id if that is taken),
// keeping its value, targets and enabled flag,
// with a warning in the log and an audit entry. It returns how many it
// renamed.
func (s *Server) renameUnreachableSecrets(ctx context.Context) (int, error) {
	names, err := s.store.ListSecretNames(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sec := range names {
		verr := sdk.ValidateSecretName(sec.Name)
		if verr == nil {
			continue
		}
		id := strings.ReplaceAll(sec.ID.String(), "-", "")
		candidates := []string{"renamed-" + id[:8], "renamed-" + id}
		if nfc := sdk.NormalizeSecretName(sec.Name); nfc != sec.Name && sdk.ValidateSecretName(nfc) == nil {
			candidates = append([]string{nfc}, candidates...) // the same name as the CLI sends it
		}
		var newName string
		for _, candidate := range candidates {
			err = s.store.RenameSecret(ctx, sec.ID, candidate)
			s.forgetUserTokens(ctx, sec.OwnerID)
			var ce *store.ConflictError
			if errors.As(err, &ce) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("rename secret %s: %w", sec.ID, err)
			}
			newName = candidate
			break
		}
		if newName == "" {
			return n, fmt.Errorf("rename secret %s: every new name is taken", sec.ID)
		}
		n++
		s.logger.Warn("renamed a secret whose name is no longer allowed, so its owner can reach it",
			"secret_id", sec.ID, "owner_id", sec.OwnerID, "old_name", fmt.Sprintf("%+q", sec.Name), "new_name", newName, "reason", verr.Error())
	}
	return n, nil
}
