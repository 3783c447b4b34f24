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
	if q.MaxSecrets > 0 && u.Count+1 > q.MaxSecrets {
		return &store.LimitError{Limit: store.LimitSecrets, Max: q.MaxSecrets, Would: u.Count + 1}
	}
	if q.MaxTotalBytes > 0 && u.TotalBytes+size > q.MaxTotalBytes {
		return &store.LimitError{Limit: store.LimitTotalBytes, Max: q.MaxTotalBytes, Would: u.TotalBytes + size}
	}
	if hasEnv && q.MaxEnvBytes > 0 && u.EnvBytes+size > q.MaxEnvBytes {
		return &store.LimitError{Limit: store.LimitEnvBytes, Max: q.MaxEnvBytes, Would: u.EnvBytes + size}
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
	if q.MaxTotalBytes > 0 {
		was, will := u.TotalBytes+before.Size, u.TotalBytes+after.Size
		if will > q.MaxTotalBytes && will > was {
			return &store.LimitError{Limit: store.LimitTotalBytes, Max: q.MaxTotalBytes, Would: will}
		}
	}
	if q.MaxEnvBytes > 0 {
		was, will := u.EnvBytes+envSize(before), u.EnvBytes+envSize(after)
		if will > q.MaxEnvBytes && will > was {
			return &store.LimitError{Limit: store.LimitEnvBytes, Max: q.MaxEnvBytes, Would: will}
		}
	}
	return nil
}

func envSize(s quotaState) int {
	if s.HasEnv {
		return s.Size
	}
	return 0
}

// Audit field names, in the order an entry lists them.
const (
	fieldValue       = "value"
	fieldDescription = "description"
	fieldEnvName     = "env_name"
	fieldFilePath    = "file_path"
	fieldEnabled     = "enabled"
)

// createFields lists what an audit entry for creating s records: the value,
// and each of description, env_name and file_path that is set.
func createFields(s store.Secret) []string {
	f := []string{fieldValue}
	if s.Description != "" {
		f = append(f, fieldDescription)
	}
	if s.EnvName != "" {
		f = append(f, fieldEnvName)
	}
	if s.FilePath != "" {
		f = append(f, fieldFilePath)
	}
	return f
}

// updateFields lists the fields p sets: "value" when it carries a new
// ciphertext, then each non-nil metadata field. It is nil when p changes
// nothing.
func updateFields(p store.UpdateSecretParams) []string {
	var f []string
	if p.Ciphertext != nil {
		f = append(f, fieldValue)
	}
	if p.Description != nil {
		f = append(f, fieldDescription)
	}
	if p.EnvName != nil {
		f = append(f, fieldEnvName)
	}
	if p.FilePath != nil {
		f = append(f, fieldFilePath)
	}
	if p.Enabled != nil {
		f = append(f, fieldEnabled)
	}
	return f
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
