package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// WorkspaceResource is a managed resource of a successful build's applied
// state, with what its coder_metadata says about it. Metadata is JSON
// ([]sdk.ResourceMetadata), opaque to the store; the provisioner never
// puts a sensitive item's value in it. Its text fields are stored clean
// like an agent's.
type WorkspaceResource struct {
	ID        uuid.UUID
	BuildID   uuid.UUID
	Address   string
	Type      string
	Name      string
	Hide      bool
	Icon      string
	DailyCost int
	Metadata  []byte
	CreatedAt time.Time
}

// AppHealth is the last health an agent reported for one of its apps'
// healthchecks (sdk.AppHealthy, AppUnhealthy, AppInitializing).
type AppHealth struct {
	AgentID   uuid.UUID
	Slug      string
	Health    string
	UpdatedAt time.Time
}

// AppStore is the part of Store for what a build records besides its
// agents (issue 12): resources with their metadata, and the health of the
// agents' apps. An agent's apps themselves are WorkspaceAgent.Apps.
type AppStore interface {
	// ListResourcesByBuild returns the resources a build recorded (see
	// CompleteBuildParams.Resources), by address.
	ListResourcesByBuild(ctx context.Context, buildID uuid.UUID) ([]WorkspaceResource, error)
	// UpsertAppHealth records, in one transaction, each health for its
	// agent and slug, replacing what was there; an unknown agent is
	// ErrNotFound and nothing changes.
	UpsertAppHealth(ctx context.Context, health []AppHealth) error
	// ListAppHealth returns what the agent reported, by slug.
	ListAppHealth(ctx context.Context, agentID uuid.UUID) ([]AppHealth, error)
}
