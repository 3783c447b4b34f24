// Package store defines the server's persistence contract: one Store
// interface, its records, and the sentinel errors every backend returns.
// The one implementation is sqlstore, on the embedded default SQLite
// (sqlitestore) or on PostgreSQL (pgstore); storetest holds the conformance
// suite it passes on both.
//
// The store never sees a secret's plaintext: values arrive encrypted, with
// the id of the key that sealed them and their plaintext size (used for the
// per-user quotas). List queries never select the ciphertext. Workspace
// Terraform states arrive sealed the same way (WorkspaceStore).
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// Sentinel errors. Backends translate their driver's errors into these at
// their boundary; callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrLimit    = errors.New("limit exceeded")
	// ErrNoTarget: a write would leave an enabled secret without a target.
	ErrNoTarget = errors.New("an enabled secret needs a target")
)

// ConflictError says which unique field clashed ("name", "env_name",
// "file_path", "username", "email", "first_user", "id"), or which state
// check failed ("build": a workspace's build in progress, or a build no
// longer running under the caller; "key_id": a value resealed meanwhile).
// It matches ErrConflict.
type ConflictError struct{ Field string }

func (e *ConflictError) Error() string        { return fmt.Sprintf("conflict on %s", e.Field) }
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// LimitError says which per-user quota a write would exceed. It matches
// ErrLimit. Limit is one of LimitSecrets, LimitTotalBytes, LimitEnvBytes.
type LimitError struct {
	Limit string
	Max   int
	// Would is the count or byte total the write would have reached.
	Would int
}

// Names of the per-user quotas.
const (
	LimitSecrets    = "secrets"
	LimitTotalBytes = "total_value_bytes"
	LimitEnvBytes   = "env_value_bytes"
)

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit %s exceeded: %d > %d", e.Limit, e.Would, e.Max)
}
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// User is a stored user.
type User struct {
	ID             uuid.UUID
	Username       string
	Email          string
	Name           string
	HashedPassword []byte
	Role           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// APIKey is a stored session or API token. Only the hash of its secret part
// is kept.
type APIKey struct {
	ID           string // the public part of the token, unique
	HashedSecret []byte // sha256 of the secret part
	UserID       uuid.UUID
	Kind         string // "session" or "token"
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// Secret is a stored secret's metadata. Ciphertext and KeyID are filled only
// by the methods that say they return the value.
type Secret struct {
	ID          uuid.UUID
	OwnerID     uuid.UUID
	Name        string
	Description string
	EnvName     string // "" when no env target
	FilePath    string // "" when no file target
	// Enabled: the secret is delivered (it has a target) and owns its
	// targets. A disabled one is stored only: it reaches no workspace and
	// clashes with no other secret's env_name or file_path.
	Enabled    bool
	ValueSize  int // plaintext length in bytes
	Ciphertext []byte
	KeyID      string
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Value is the plaintext, for the encryption decorator
	// (store/cryptstore) only: it seals Value into Ciphertext on the way
	// in and opens it on the way out of the methods that return values.
	// ValueErr is set instead when the stored value does not open. The
	// backends never read or fill either.
	Value    sdk.SecretValue
	ValueErr error
}

// Quota bounds what one user may hold. A zero field means no bound.
type Quota struct {
	MaxSecrets    int
	MaxTotalBytes int
	MaxEnvBytes   int
}

// InsertSecretParams creates a secret. The backend checks the quota and the
// unique fields and writes the audit entry in the same transaction, so
// concurrent inserts can never overshoot the quota.
type InsertSecretParams struct {
	Secret  Secret // ID, OwnerID, Name, Description, EnvName, FilePath, Enabled, ValueSize, Ciphertext, KeyID, CreatedAt
	Quota   Quota
	ActorID uuid.UUID
}

// UpdateSecretParams changes a secret found by owner and name. A nil field is
// unchanged; a pointer to "" clears a target or the description. When
// Ciphertext is set, KeyID and ValueSize must be set too. The backend
// rechecks the quota and writes the audit entry in the same transaction.
//
// Now is the clock (nil means time.Now). The backend reads it inside the
// write transaction, once the write is serialized (the owner's row locked),
// so concurrent updates store updated_at in the order they commit; and it
// never moves updated_at back (a clock behind the stored time, say another
// server process's, keeps the stored time). So the stored updated_at is
// never older than one an acknowledged update returned.
type UpdateSecretParams struct {
	OwnerID     uuid.UUID
	Name        string
	Description *string
	EnvName     *string
	FilePath    *string
	Enabled     *bool
	Ciphertext  []byte
	KeyID       string
	ValueSize   int
	Now         func() time.Time
	Quota       Quota
	ActorID     uuid.UUID

	// Value is the new plaintext, for the encryption decorator
	// (store/cryptstore), which seals it into Ciphertext, KeyID and
	// ValueSize. The backends never read it.
	Value *sdk.SecretValue
}

// AuditEntry records a change to a secret. It says which fields changed,
// never what a value is. The store writes the audit log along with each
// change to a secret (InsertSecret, UpdateSecret, DeleteSecret); nothing in
// the server reads it yet.
type AuditEntry struct {
	ID           uuid.UUID
	Time         time.Time
	ActorID      uuid.UUID
	Action       string // "create", "update", "delete"
	ResourceType string // "secret"
	ResourceID   uuid.UUID
	OwnerID      uuid.UUID
	ResourceName string
	// Fields lists the names of the fields that changed ("value",
	// "description", "env_name", "file_path", "enabled").
	Fields []string
}

// Audit actions.
const (
	AuditCreate = "create"
	AuditUpdate = "update"
	AuditDelete = "delete"
)

// Store is the persistence contract of the server. All methods are safe for
// concurrent use. Methods take ctx first and return the sentinel errors above.
type Store interface {
	// Close releases the backend's connections.
	Close() error

	// Users.
	InsertUser(ctx context.Context, u User) error
	// InsertFirstUser inserts u only if there is no user yet; otherwise it
	// returns ErrConflict (with Field "first_user"). It is atomic.
	InsertFirstUser(ctx context.Context, u User) error
	GetUserByID(ctx context.Context, id uuid.UUID) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	CountUsers(ctx context.Context) (int, error)

	// API keys (session and API tokens).
	InsertAPIKey(ctx context.Context, k APIKey) error
	GetAPIKey(ctx context.Context, id string) (APIKey, error)
	DeleteAPIKey(ctx context.Context, id string) error

	// Secrets. GetSecret and ListSecrets return metadata only (no
	// Ciphertext); ListSecretsWithValues returns the ciphertext too.
	InsertSecret(ctx context.Context, p InsertSecretParams) (Secret, error)
	GetSecret(ctx context.Context, ownerID uuid.UUID, name string) (Secret, error)
	ListSecrets(ctx context.Context, ownerID uuid.UUID) ([]Secret, error) // sorted by name
	ListSecretsWithValues(ctx context.Context, ownerID uuid.UUID) ([]Secret, error)
	UpdateSecret(ctx context.Context, p UpdateSecretParams) (Secret, error)
	// InsertSecrets creates p.Secrets in one transaction, all or none (see
	// InsertSecretsParams).
	InsertSecrets(ctx context.Context, p InsertSecretsParams) ([]Secret, error)
	DeleteSecret(ctx context.Context, ownerID uuid.UUID, name string, actorID uuid.UUID) error

	// Key management: which key ids seal stored values, and re-encryption.
	// SecretKeyIDs returns each distinct key id in use with its row count.
	SecretKeyIDs(ctx context.Context) (map[string]int, error)
	// ListSecretsByKeyID returns up to limit secrets, with values, sealed by keyID.
	ListSecretsByKeyID(ctx context.Context, keyID string, limit int) ([]Secret, error)
	// ReplaceSecretCiphertext swaps the ciphertext of one secret if it is
	// still sealed by oldKeyID (so a concurrent update is never undone).
	ReplaceSecretCiphertext(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error

	// Templates, workspaces, builds and agents.
	WorkspaceStore
}
