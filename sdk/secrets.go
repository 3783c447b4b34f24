package sdk

import (
	"time"

	"github.com/google/uuid"
)

// Secret is a user secret as the API returns it: metadata only. No response
// ever carries the value.
type Secret struct {
	ID          uuid.UUID `json:"id"`
	OwnerID     uuid.UUID `json:"owner_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	EnvName     string    `json:"env_name"`
	FilePath    string    `json:"file_path"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateSecretRequest is the body of POST /api/v2/users/{user}/secrets.
type CreateSecretRequest struct {
	Name        string      `json:"name"`
	Value       SecretValue `json:"value"`
	Description string      `json:"description,omitempty"`
	EnvName     string      `json:"env_name,omitempty"`
	FilePath    string      `json:"file_path,omitempty"`
}

// UpdateSecretRequest is the body of PATCH /api/v2/users/{user}/secrets/{name}.
// A nil field is absent and leaves the stored field unchanged; a pointer to
// "" clears it (Value cannot be cleared: an empty value is invalid).
type UpdateSecretRequest struct {
	Value       *SecretValue `json:"value,omitempty"`
	Description *string      `json:"description,omitempty"`
	EnvName     *string      `json:"env_name,omitempty"`
	FilePath    *string      `json:"file_path,omitempty"`
}

// Empty reports whether the request changes nothing.
func (r UpdateSecretRequest) Empty() bool {
	return r.Value == nil && r.Description == nil && r.EnvName == nil && r.FilePath == nil
}

// Limits are the per-user quotas the server enforces on secrets.
type Limits struct {
	// MaxSecrets is the number of secrets one user may hold.
	MaxSecrets int
	// MaxTotalValueBytes bounds the sum of the sizes of a user's values.
	MaxTotalValueBytes int
	// MaxEnvValueBytes bounds the sum of the sizes of a user's values that
	// have an env target (they all land in every session's environment).
	MaxEnvValueBytes int
}

// DefaultLimits are the server's defaults (SPEC.md section 3).
var DefaultLimits = Limits{
	MaxSecrets:         50,
	MaxTotalValueBytes: 200 * 1024,
	MaxEnvValueBytes:   24 * 1024,
}
