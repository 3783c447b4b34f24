package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Template is a named template; its versions hold the files.
type Template struct {
	ID              uuid.UUID
	Name            string
	ActiveVersionID uuid.UUID
	CreatedBy       uuid.UUID
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TemplateVersion is one push of a template: a tar archive of its folder.
type TemplateVersion struct {
	ID         uuid.UUID
	TemplateID uuid.UUID
	Number     int // 1, 2, ... per template; set by the store
	Archive    []byte
	// Requirements is the JSON of the coder_secret requirements found in
	// the files ([]sdk.SecretRequirement), opaque to the store.
	Requirements []byte
	CreatedBy    uuid.UUID
	CreatedAt    time.Time
}

// Workspace belongs to one owner and one template. Its Terraform state is
// kept sealed (StateCiphertext, StateKeyID); only GetWorkspaceState reads it.
type Workspace struct {
	ID              uuid.UUID
	Name            string
	OwnerID         uuid.UUID
	TemplateID      uuid.UUID
	Deleted         bool
	StateCiphertext []byte
	StateKeyID      string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WorkspaceBuild is one provisioner run; it is also the job that workers
// claim.
type WorkspaceBuild struct {
	ID                uuid.UUID
	WorkspaceID       uuid.UUID
	BuildNumber       int // set by the store: 1 + the workspace's last
	Transition        string
	Status            string // sdk.BuildPending, BuildRunning, BuildSucceeded, BuildFailed
	TemplateVersionID uuid.UUID
	InitiatorID       uuid.UUID
	Error             string
	WorkerID          string
	CreatedAt         time.Time
	StartedAt         *time.Time
	CompletedAt       *time.Time
	HeartbeatAt       *time.Time
}

// WorkspaceAgent is a coder_agent recorded after a successful apply. Env and
// Scripts are JSON ([]sdk.EnvVar, []sdk.AgentScript), opaque to the store.
type WorkspaceAgent struct {
	ID             uuid.UUID
	BuildID        uuid.UUID
	WorkspaceID    uuid.UUID
	Name           string
	TokenHash      []byte // sha256 of the token; unique
	OS             string
	Arch           string
	Directory      string
	MOTDFile       string
	Env            []byte
	Scripts        []byte
	LifecycleState string
	FirstConnected *time.Time
	LastConnected  *time.Time
	CreatedAt      time.Time
}

// BuildLog is one stored line of a build's log (already redacted).
type BuildLog struct {
	ID        int64 // set by the store, increasing per build
	BuildID   uuid.UUID
	CreatedAt time.Time
	Stage     string
	Level     string
	Output    string
}

// AgentLog is one stored line of a script's output (already redacted).
type AgentLog struct {
	ID        int64
	AgentID   uuid.UUID
	CreatedAt time.Time
	Level     string
	Source    string
	Output    string
}

// CompleteBuildParams ends a build. When Status is succeeded, State (if not
// nil) replaces the workspace's sealed state, Agents are recorded, and a
// delete build marks the workspace deleted, all in one transaction. The
// build must still be running under WorkerID; otherwise ErrConflict and
// nothing changes.
type CompleteBuildParams struct {
	BuildID     uuid.UUID
	WorkerID    string
	Status      string
	Error       string
	State       []byte
	StateKeyID  string
	Agents      []WorkspaceAgent
	CompletedAt time.Time
}

// WorkspaceStore is the part of Store for templates, workspaces, builds and
// agents.
type WorkspaceStore interface {
	// InsertTemplateVersion stores v as the new active version of the
	// template named name, creating the template if needed. The store sets
	// v.Number.
	InsertTemplateVersion(ctx context.Context, name string, v TemplateVersion) (Template, TemplateVersion, error)
	GetTemplateByName(ctx context.Context, name string) (Template, error)
	GetTemplateByID(ctx context.Context, id uuid.UUID) (Template, error)
	ListTemplates(ctx context.Context) ([]Template, error) // sorted by name
	GetTemplateVersion(ctx context.Context, id uuid.UUID) (TemplateVersion, error)

	// InsertWorkspace stores a workspace and its first build atomically.
	// A live (not deleted) workspace of the same owner and name is a
	// *ConflictError{Field: "name"}.
	InsertWorkspace(ctx context.Context, w Workspace, first WorkspaceBuild) (Workspace, WorkspaceBuild, error)
	GetWorkspaceByID(ctx context.Context, id uuid.UUID) (Workspace, error)
	// GetWorkspaceByOwnerAndName finds a live workspace.
	GetWorkspaceByOwnerAndName(ctx context.Context, ownerID uuid.UUID, name string) (Workspace, error)
	ListWorkspaces(ctx context.Context, ownerID uuid.UUID) ([]Workspace, error) // live ones, by name
	// ListAllWorkspaces lists every live workspace (for the server's own use).
	ListAllWorkspaces(ctx context.Context) ([]Workspace, error)
	// GetWorkspaceState returns the sealed state and its key id (nil when none).
	GetWorkspaceState(ctx context.Context, id uuid.UUID) ([]byte, string, error)

	// InsertBuild queues a build. A workspace with a pending or running
	// build is a *ConflictError{Field: "build"}; a deleted one ErrNotFound.
	InsertBuild(ctx context.Context, b WorkspaceBuild) (WorkspaceBuild, error)
	GetBuild(ctx context.Context, id uuid.UUID) (WorkspaceBuild, error)
	GetLatestBuild(ctx context.Context, workspaceID uuid.UUID) (WorkspaceBuild, error)
	// ClaimBuild marks the oldest pending build running under workerID and
	// returns it; ErrNotFound when none is pending. Several processes may
	// call it at once: each build is claimed exactly once.
	ClaimBuild(ctx context.Context, workerID string, now time.Time) (WorkspaceBuild, error)
	// HeartbeatBuild records that workerID still runs the build;
	// ErrConflict when it no longer owns it.
	HeartbeatBuild(ctx context.Context, id uuid.UUID, workerID string, now time.Time) error
	CompleteBuild(ctx context.Context, p CompleteBuildParams) error
	// FailStaleBuilds fails running builds whose heartbeat is older than
	// before (their server stopped), with reason as the error. It returns
	// how many it failed.
	FailStaleBuilds(ctx context.Context, before time.Time, reason string) (int, error)
	// FailWorkerBuilds fails the running builds of one worker (at its
	// shutdown or start).
	FailWorkerBuilds(ctx context.Context, workerID string, reason string, now time.Time) (int, error)

	InsertBuildLogs(ctx context.Context, logs []BuildLog) error
	// ListBuildLogs returns the build's lines with ID > afterID, in order.
	ListBuildLogs(ctx context.Context, buildID uuid.UUID, afterID int64) ([]BuildLog, error)

	GetAgentByTokenHash(ctx context.Context, hash []byte) (WorkspaceAgent, error)
	GetAgentByID(ctx context.Context, id uuid.UUID) (WorkspaceAgent, error)
	ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) ([]WorkspaceAgent, error)
	UpdateAgentLifecycle(ctx context.Context, id uuid.UUID, state string) error
	// UpdateAgentConnection records a connection (first and last).
	UpdateAgentConnection(ctx context.Context, id uuid.UUID, at time.Time) error
	InsertAgentLogs(ctx context.Context, logs []AgentLog) error
	ListAgentLogs(ctx context.Context, agentID uuid.UUID, afterID int64) ([]AgentLog, error)

	// WorkspaceStateKeyIDs and ReplaceWorkspaceState support key rotation
	// of sealed states, like the secret methods of the same purpose.
	WorkspaceStateKeyIDs(ctx context.Context) (map[string]int, error)
	ListWorkspacesByStateKeyID(ctx context.Context, keyID string, limit int) ([]Workspace, error)
	ReplaceWorkspaceState(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error
}
