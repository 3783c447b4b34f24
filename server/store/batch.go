package store

import (
	"fmt"

	"github.com/google/uuid"
)

// InsertSecretsParams creates several secrets of one owner at once (an
// import). The backend locks the owner, then checks every secret before
// writing any: a name, or an enabled secret's env_name or file_path, that
// another secret already holds (or that an earlier secret of the batch
// holds) is a collision; the count and byte quotas are checked for the
// batch as a whole. Then it inserts them and writes one audit entry per
// secret, in the same transaction: all or nothing, and nothing is ever
// overwritten.
type InsertSecretsParams struct {
	OwnerID uuid.UUID
	// Secrets as for InsertSecretParams.Secret; OwnerID is set from the
	// params.
	Secrets []Secret
	Quota   Quota
	ActorID uuid.UUID
}

// Collision is one secret of a batch that clashes on Field with an
// existing secret (Existing is its name) or with an earlier secret of the
// batch (Existing is that one's name, and InBatch is set).
type Collision struct {
	Index    int
	Name     string
	Field    string // "name", "env_name" or "file_path"
	Existing string
	InBatch  bool
}

// BatchConflictError lists every collision of a batch, by index. It
// matches ErrConflict.
type BatchConflictError struct{ Collisions []Collision }

func (e *BatchConflictError) Error() string {
	return fmt.Sprintf("%d secrets of the batch collide", len(e.Collisions))
}
func (e *BatchConflictError) Is(target error) bool { return target == ErrConflict }
