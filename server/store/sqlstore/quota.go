package sqlstore

// The rules of a write to a secret: the per-user quota checks and the list
// of changed fields an audit entry records. The store gathers the numbers
// inside its write transaction and calls these functions.

import (
	"time"

	"github.com/usersecrets/coder/server/store"
)

// usage is what an owner's secrets other than the one being written hold.
type usage struct {
	Count      int // number of secrets
	TotalBytes int // sum of value sizes
	EnvBytes   int // sum of value sizes of secrets with an env target
}

// checkInsert returns a *store.LimitError if adding a secret of size bytes
// (with an env target when hasEnv) to an owner holding u breaks q. A zero (or
// negative) quota field means no bound. The checks run in a fixed order:
// count, total bytes, env bytes.
func checkInsert(q store.Quota, u usage, size int, hasEnv bool) error {
	if err := overLimit(store.LimitSecrets, q.MaxSecrets, u.Count+1); err != nil {
		return err
	}
	if err := overLimit(store.LimitTotalBytes, q.MaxTotalBytes, u.TotalBytes+size); err != nil || !hasEnv {
		return err
	}
	return overLimit(store.LimitEnvBytes, q.MaxEnvBytes, u.EnvBytes+size)
}

// overLimit returns a *store.LimitError if would passes max, when max bounds.
func overLimit(limit string, max, would int) error {
	if max > 0 && would > max {
		return &store.LimitError{Limit: limit, Max: max, Would: would}
	}
	return nil
}

// quotaState is the part of a secret the quotas look at.
type quotaState struct {
	Size   int
	HasEnv bool
}

// checkUpdate returns a *store.LimitError if changing one secret from before
// to after, next to the owner's other secrets u, breaks q. A total is refused
// only when it ends above its bound and the change grows it: a user already
// over a quota (say, after an operator lowered it) can still shrink values,
// clear targets or edit descriptions.
func checkUpdate(q store.Quota, u usage, before, after quotaState) error {
	if after.Size > before.Size {
		if err := overLimit(store.LimitTotalBytes, q.MaxTotalBytes, u.TotalBytes+after.Size); err != nil {
			return err
		}
	}
	if envSize(after) > envSize(before) {
		return overLimit(store.LimitEnvBytes, q.MaxEnvBytes, u.EnvBytes+envSize(after))
	}
	return nil
}

func envSize(s quotaState) int {
	if s.HasEnv {
		return s.Size
	}
	return 0
}

// auditFields are the names of the fields an audit entry lists, in order.
var auditFields = [...]string{"value", "description", "env_name", "file_path"}

// changedFields lists the audit fields whose flag is set, nil when none.
func changedFields(value, description, envName, filePath bool) []string {
	var f []string
	for i, set := range []bool{value, description, envName, filePath} {
		if set {
			f = append(f, auditFields[i])
		}
	}
	return f
}

// createFields lists what an audit entry for creating s records: the value,
// and each of description, env_name and file_path that is set.
func createFields(s store.Secret) []string {
	return changedFields(true, s.Description != "", s.EnvName != "", s.FilePath != "")
}

// updateFields lists the fields p sets: "value" when it carries a new
// ciphertext, then each non-nil metadata field. It is nil when p changes
// nothing.
func updateFields(p store.UpdateSecretParams) []string {
	return changedFields(p.Ciphertext != nil, p.Description != nil, p.EnvName != nil, p.FilePath != nil)
}

// storedTime returns t as both backends store it: in UTC, truncated to the
// microsecond. The zero time stays zero.
func storedTime(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// storedTimeOrNow is storedTime, with a zero t replaced by the current time.
func storedTimeOrNow(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return storedTime(t)
}

// nextUpdatedAt is the updated_at of a secret written now, whose stored
// updated_at is prev: now() (time.Now when nil) as stored, but never before
// prev. Backends call it inside their write transaction.
func nextUpdatedAt(now func() time.Time, prev time.Time) time.Time {
	if now == nil {
		now = time.Now
	}
	t := storedTime(now())
	if t.Before(prev) {
		return storedTime(prev)
	}
	return t
}
