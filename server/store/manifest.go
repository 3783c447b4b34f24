package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// AgentApplied is what an agent last reported having applied: the
// revision of a manifest it was served, what that manifest delivered (as
// recorded by RecordManifestRevision) and the secret file paths it
// reported as stale. Delivered and StaleFiles are JSON, opaque to the
// store, and hold names, targets and value tokens, never a value.
type AgentApplied struct {
	AgentID    uuid.UUID
	Revision   string
	Delivered  []byte
	StaleFiles []byte
	// Home is the agent's home folder, as it reported it.
	Home      string
	UpdatedAt time.Time
}

// ManifestStore records which manifest each agent applied (issue 16).
type ManifestStore interface {
	// RecordManifestRevision records that agentID was served a manifest
	// of revision, which delivered delivered. Recording a revision again
	// is not an error. ErrNotFound for an unknown agent.
	RecordManifestRevision(ctx context.Context, agentID uuid.UUID, revision string, delivered []byte, at time.Time) error
	// AckManifestRevision records that agentID applied revision (which
	// must have been recorded for it, else ErrNotFound) and reported
	// staleFiles and home; it replaces the agent's previous report.
	AckManifestRevision(ctx context.Context, agentID uuid.UUID, revision string, staleFiles []byte, home string, at time.Time) error
	// ListAgentApplied returns the reports of the agents of buildID that
	// made one, by agent id.
	ListAgentApplied(ctx context.Context, buildID uuid.UUID) ([]AgentApplied, error)
}
