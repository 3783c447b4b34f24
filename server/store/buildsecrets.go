package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// BuildSecret is a secret given with a workspace build (a create or build
// request), as one build records it. Every build records its whole set
// (WorkspaceBuild.Secrets): the secrets its request gave and those carried
// from the build before it. Ciphertext and KeyID are filled only by the
// methods that say they return the value; an erased value (a build older
// than the workspace's latest) has neither.
type BuildSecret struct {
	BuildID     uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
	EnvName     string // "" when no env target
	FilePath    string // "" when no file target
	Ephemeral   bool
	// SetBuildNumber is the number of the build whose request gave the
	// value (this build's, or an earlier one's for a carried secret).
	SetBuildNumber int
	ValueSize      int
	Ciphertext     []byte
	KeyID          string
	CreatedAt      time.Time

	// Value is the plaintext and ValueErr why it does not open (erased or
	// altered): only the encryption decorator (store/cryptstore) fills or
	// reads them, never a backend.
	Value    sdk.SecretValue
	ValueErr error
}

// BuildSecretStore is the part of WorkspaceStore for build secrets. They
// are written with their build: InsertBuild and InsertWorkspace record
// b.Secrets (each with its Ciphertext, KeyID and ValueSize; the backend
// sets BuildID and WorkspaceID) and erase the values recorded with the
// workspace's earlier builds. When b.SecretsBase is set, InsertBuild
// refuses with *ConflictError{Field: "build"} unless it is still the
// workspace's latest build (the set was computed from it).
type BuildSecretStore interface {
	// ListBuildSecrets returns a build's secrets by name, metadata only;
	// ErrNotFound for an unknown build.
	ListBuildSecrets(ctx context.Context, buildID uuid.UUID) ([]BuildSecret, error)
	// ListBuildSecretsWithValues returns them with Ciphertext and KeyID.
	ListBuildSecretsWithValues(ctx context.Context, buildID uuid.UUID) ([]BuildSecret, error)

	// BuildSecretKeyIDs, ListBuildSecretsByKeyID and
	// ReplaceBuildSecretCiphertext rotate the keys of sealed build secret
	// values like the secret methods of the same purpose (erased values
	// are not listed). The swap is ErrNotFound for an unknown row,
	// *ConflictError{Field: "key_id"} if it changed meanwhile.
	BuildSecretKeyIDs(ctx context.Context) (map[string]int, error)
	ListBuildSecretsByKeyID(ctx context.Context, keyID string, limit int) ([]BuildSecret, error)
	ReplaceBuildSecretCiphertext(ctx context.Context, buildID uuid.UUID, name, oldKeyID string, ciphertext []byte, newKeyID string) error
}
