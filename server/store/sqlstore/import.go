package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// InsertSecrets locks the owner's row, checks every secret of the batch
// against the owner's secrets and the batch's earlier ones (every
// collision is listed before anything is written), checks the quotas for
// the batch as a whole, then inserts the rows and one audit entry each, in
// one write transaction. It returns the stored metadata, in batch order.
func (s *Store) InsertSecrets(ctx context.Context, p store.InsertSecretsParams) (ret []store.Secret, err error) {
	defer wrap(&err, "insert secrets")
	batch := make([]store.Secret, len(p.Secrets))
	for i, sec := range p.Secrets {
		sec.OwnerID = p.OwnerID
		if sec.ID == uuid.Nil {
			sec.ID = uuid.New()
		}
		sec.CreatedAt = storedTimeOrNow(sec.CreatedAt)
		if sec.UpdatedAt.IsZero() {
			sec.UpdatedAt = sec.CreatedAt
		} else {
			sec.UpdatedAt = storedTime(sec.UpdatedAt)
		}
		batch[i] = sec
	}
	err = s.write(ctx, func(c conn) error {
		if err := s.lockOwner(ctx, c, p.OwnerID); err != nil {
			return err
		}
		have, err := all(ctx, c, scanSecretMeta,
			`SELECT `+secretMetaColumns+` FROM secrets WHERE owner_id = ? ORDER BY name`, p.OwnerID)
		if err != nil {
			return err
		}
		if cs := batchCollisions(have, batch); len(cs) > 0 {
			return &store.BatchConflictError{Collisions: cs}
		}
		u, err := secretUsage(ctx, c, p.OwnerID, uuid.Nil)
		if err != nil {
			return err
		}
		if err := checkBatch(p.Quota, u, batch); err != nil {
			return err
		}
		for i := range batch {
			if err := insertSecretRow(ctx, c, &batch[i]); err != nil {
				return err
			}
			sec := batch[i]
			if err := insertAudit(ctx, c, store.AuditEntry{
				Time: sec.CreatedAt, ActorID: p.ActorID, Action: store.AuditCreate,
				ResourceID: sec.ID, OwnerID: sec.OwnerID, ResourceName: sec.Name, Fields: createFields(sec),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range batch {
		batch[i].Ciphertext, batch[i].KeyID = nil, ""
	}
	return batch, nil
}

// batchCollisions lists, for each secret of batch in order, its first
// clash: its name held by an existing secret or an earlier one of the
// batch, or (when it is enabled) its env_name or file_path held by an
// enabled one.
func batchCollisions(have, batch []store.Secret) []store.Collision {
	type owner struct {
		name    string
		inBatch bool
	}
	names, envs, files := map[string]owner{}, map[string]owner{}, map[string]owner{}
	claim := func(sec store.Secret, inBatch bool) {
		o := owner{sec.Name, inBatch}
		if _, ok := names[sec.Name]; !ok {
			names[sec.Name] = o
		}
		env, file := enabledTargets(sec)
		if _, ok := envs[env]; env != "" && !ok {
			envs[env] = o
		}
		if _, ok := files[file]; file != "" && !ok {
			files[file] = o
		}
	}
	for _, sec := range have {
		claim(sec, false)
	}
	var out []store.Collision
	for i, sec := range batch {
		env, file := enabledTargets(sec)
		var field string
		var o owner
		var ok bool
		if o, ok = names[sec.Name]; ok {
			field = "name"
		} else if o, ok = envs[env]; env != "" && ok {
			field = "env_name"
		} else if o, ok = files[file]; file != "" && ok {
			field = "file_path"
		}
		if field != "" {
			out = append(out, store.Collision{Index: i, Name: sec.Name, Field: field, Existing: o.name, InBatch: o.inBatch})
		}
		claim(sec, true)
	}
	return out
}

// checkBatch returns a *store.LimitError if adding batch to an owner
// holding u breaks q, checked as checkInsert checks one secret.
func checkBatch(q store.Quota, u usage, batch []store.Secret) error {
	var size, envSize int
	for _, sec := range batch {
		size += sec.ValueSize
		if env, _ := enabledTargets(sec); env != "" {
			envSize += sec.ValueSize
		}
	}
	if err := overLimit(store.LimitSecrets, q.MaxSecrets, u.Count+len(batch)); err != nil {
		return err
	}
	if err := overLimit(store.LimitTotalBytes, q.MaxTotalBytes, u.TotalBytes+size); err != nil || envSize == 0 {
		return err
	}
	return overLimit(store.LimitEnvBytes, q.MaxEnvBytes, u.EnvBytes+envSize)
}
