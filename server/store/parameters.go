package store

import (
	"context"

	"github.com/google/uuid"
)

// VersionPlan is what a push's `terraform plan` learnt of a template
// version, recorded with it (TemplateVersion.Plan), with the push's
// variables and message.
type VersionPlan struct {
	// VersionID is the version's id (filled by the store's reads).
	VersionID uuid.UUID
	// Info is the JSON of sdk.TemplateVersionInfo, opaque to the store.
	Info []byte
	// VariablesCiphertext seals (secretcrypt.VariablesAAD) the JSON of the
	// template variables' values (map[string]string); VariablesKeyID names
	// its key; both empty when the push gave none.
	VariablesCiphertext []byte
	VariablesKeyID      string
	// Message is the push's message (coder templates push --message).
	Message string

	// Variables is the plaintext JSON, for the encryption decorator
	// (store/cryptstore) only: it seals it on the way in and opens it on
	// the way out; VariablesErr is set instead when it does not open. The
	// backends never read or fill either.
	Variables    []byte
	VariablesErr error
}

// BuildParameters are a build's parameter values (WorkspaceBuild.Parameters):
// JSON of []sdk.BuildParameter, opaque to the store.
type BuildParameters struct {
	Values []byte
	// Previous are the values of the workspace's build before this one.
	Previous []byte
}

// ParameterStore is the part of WorkspaceStore for template versions'
// plans and builds' parameters.
type ParameterStore interface {
	// GetVersionPlan returns the plan recorded with the version;
	// ErrNotFound when it has none (pushed without a plan) or is unknown.
	GetVersionPlan(ctx context.Context, versionID uuid.UUID) (VersionPlan, error)
	// GetBuildParameters returns the values recorded with the build; empty
	// when it recorded none, ErrNotFound for an unknown build.
	GetBuildParameters(ctx context.Context, buildID uuid.UUID) (BuildParameters, error)

	// VariablesKeyIDs, ListVersionPlansByVariablesKeyID and
	// ReplaceVersionVariables support key rotation of the sealed variable
	// values, like the secret methods of the same purpose.
	VariablesKeyIDs(ctx context.Context) (map[string]int, error)
	// ListVersionPlansByVariablesKeyID returns up to limit (none when
	// <= 0) plans whose variables keyID seals, ordered by version id.
	ListVersionPlansByVariablesKeyID(ctx context.Context, keyID string, limit int) ([]VersionPlan, error)
	// ReplaceVersionVariables swaps a plan's sealed variables if oldKeyID
	// still seals them: ErrNotFound for an unknown plan,
	// *ConflictError{Field: "key_id"} if they changed meanwhile.
	ReplaceVersionVariables(ctx context.Context, versionID uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error
}
