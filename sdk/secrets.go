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
	// Enabled: the secret is delivered to workspaces. A disabled one is
	// stored only, and owns neither of its targets.
	Enabled bool `json:"enabled"`
	// Templates is the allow-list of template names whose workspaces get
	// the secret; empty (never null) means every template.
	Templates []string `json:"templates"`
	// Refresh is RefreshRestart (the guide's behaviour: changes reach a
	// workspace at its next start) or RefreshLive (running workspaces
	// rewrite the secret's file in place within seconds of a change; an
	// env value still needs a restart).
	Refresh   string    `json:"refresh"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CreateSecretRequest is the body of POST /api/v2/users/{user}/secrets.
type CreateSecretRequest struct {
	Name        string      `json:"name"`
	Value       SecretValue `json:"value"`
	Description string      `json:"description,omitempty"`
	EnvName     string      `json:"env_name,omitempty"`
	FilePath    string      `json:"file_path,omitempty"`
	// Enabled defaults to true (absent or null). An enabled secret needs
	// a target.
	Enabled *bool `json:"enabled,omitempty"`
	// Templates limits the secret to workspaces of these templates;
	// empty: every template.
	Templates []string `json:"templates,omitempty"`
	// Refresh: RefreshRestart (default) or RefreshLive.
	Refresh string `json:"refresh,omitempty"`
}

// Refresh modes of a secret.
const (
	RefreshRestart = "restart"
	RefreshLive    = "live"
)

// IsEnabled is whether the secret is to be created enabled: true unless
// Enabled says false.
func (r CreateSecretRequest) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// UpdateSecretRequest is the body of PATCH /api/v2/users/{user}/secrets/{name}.
// A nil field is absent and leaves the stored field unchanged; a pointer to
// "" clears it (Value cannot be cleared: an empty value is invalid).
type UpdateSecretRequest struct {
	Value       *SecretValue `json:"value,omitempty"`
	Description *string      `json:"description,omitempty"`
	EnvName     *string      `json:"env_name,omitempty"`
	FilePath    *string      `json:"file_path,omitempty"`
	Enabled     *bool        `json:"enabled,omitempty"`
	// Templates replaces the allow-list; [] clears it (every template).
	Templates *[]string `json:"templates,omitempty"`
	Refresh   *string   `json:"refresh,omitempty"`
}

// Empty reports whether the request changes nothing.
func (r UpdateSecretRequest) Empty() bool {
	return r.Value == nil && r.Description == nil && r.EnvName == nil && r.FilePath == nil && r.Enabled == nil && r.Templates == nil && r.Refresh == nil
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

// ImportSecretsRequest is the body of POST /api/v2/users/{user}/secrets/batch:
// a file's content in one of the formats of package secretimport
// ("dotenv", "json", "yaml"; "env" and "yml" too).
type ImportSecretsRequest struct {
	Format  string `json:"format"`
	Content string `json:"content"`
}

// ImportSecretsResponse answers an import: the secrets created, in file
// order, and a warning for each one imported disabled.
type ImportSecretsResponse struct {
	Secrets  []Secret `json:"secrets"`
	Warnings []string `json:"warnings"`
}
