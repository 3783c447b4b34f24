package sdk

import (
	"time"

	"github.com/google/uuid"
)

// Template is a named folder of Terraform files; each push makes a new
// active version.
type Template struct {
	ID              uuid.UUID `json:"id"`
	Name            string    `json:"name"`
	ActiveVersionID uuid.UUID `json:"active_version_id"`
	// ActiveVersion is the number of the active version (1, 2, ...).
	ActiveVersion int       `json:"active_version"`
	CreatedBy     uuid.UUID `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// SecretRequirements are the coder_secret data sources of the active
	// version.
	SecretRequirements []SecretRequirement `json:"secret_requirements"`
	// ActiveVersionInfo is what the active version's push plan learnt:
	// its parameters, presets and variables.
	ActiveVersionInfo TemplateVersionInfo `json:"active_version_info"`
	// ActiveVersionMessage is the push's --message.
	ActiveVersionMessage string `json:"active_version_message,omitempty"`
}

// PushTemplateRequest is the JSON body of POST
// /api/v2/templates/{template}/versions (the other form of the body is the
// bare tar archive, Content-Type application/x-tar).
type PushTemplateRequest struct {
	// Archive is the tar archive of the template folder (base64 in JSON).
	Archive []byte `json:"archive"`
	// Variables are the template variables' values (Terraform input
	// variables, given as TF_VAR_<name> to the push's plan and to every
	// build of the version). They are stored sealed and never returned.
	Variables map[string]string `json:"variables,omitempty"`
	Message   string            `json:"message,omitempty"`
}

// MaxTemplateArchiveBytes bounds an uploaded template archive (a tar).
const MaxTemplateArchiveBytes = 10 << 20

// Build transitions.
const (
	TransitionStart  = "start"
	TransitionStop   = "stop"
	TransitionDelete = "delete"
)

// Build and job statuses.
const (
	BuildPending   = "pending"
	BuildRunning   = "running"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
	// BuildCanceled is a build stopped on request (POST
	// /api/v2/workspacebuilds/{id}/cancel) before it ended.
	BuildCanceled = "canceled"
)

// Workspace belongs to one user and one template.
type Workspace struct {
	ID           uuid.UUID      `json:"id"`
	Name         string         `json:"name"`
	OwnerID      uuid.UUID      `json:"owner_id"`
	OwnerName    string         `json:"owner_name"`
	TemplateID   uuid.UUID      `json:"template_id"`
	TemplateName string         `json:"template_name"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	LatestBuild  WorkspaceBuild `json:"latest_build"`
	// RestartNeeded says that the running workspace's agent applied
	// secrets that differ from what a start would deliver now (a value
	// updated, a target changed, a secret disabled, deleted, created or
	// scoped to other templates); RestartNeededSecrets names them, sorted
	// (never null). Both are false and empty for a stopped workspace, and
	// before its agent reported what it applied.
	RestartNeeded        bool     `json:"restart_needed"`
	RestartNeededSecrets []string `json:"restart_needed_secrets"`
	// StaleFiles are files the agent wrote for secrets that no current
	// secret targets (never null); nothing deletes them.
	StaleFiles []StaleFile `json:"stale_files"`
	// SecretRefresh is RefreshRestart (the guide's behaviour) or
	// RefreshLive: the agent then rewrites in place the file of every
	// secret it receives as a file only (no env target) as soon as the
	// secret changes, as if the secret had --refresh live.
	SecretRefresh string `json:"secret_refresh"`
}

// UpdateWorkspaceRequest is the body of PATCH
// /api/v2/users/{user}/workspaces/{workspace}: a field that is absent is
// unchanged.
type UpdateWorkspaceRequest struct {
	// SecretRefresh: RefreshRestart or RefreshLive (see Workspace).
	SecretRefresh *string `json:"secret_refresh,omitempty"`
}

// WorkspaceBuild is one run of the provisioner for a workspace.
type WorkspaceBuild struct {
	ID                uuid.UUID  `json:"id"`
	WorkspaceID       uuid.UUID  `json:"workspace_id"`
	BuildNumber       int        `json:"build_number"`
	Transition        string     `json:"transition"`
	Status            string     `json:"status"`
	TemplateVersionID uuid.UUID  `json:"template_version_id"`
	Error             string     `json:"error,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	StartedAt         *time.Time `json:"started_at,omitempty"`
	CompletedAt       *time.Time `json:"completed_at,omitempty"`
}

// Done reports whether the build has ended.
func (b WorkspaceBuild) Done() bool {
	return b.Status == BuildSucceeded || b.Status == BuildFailed || b.Status == BuildCanceled
}

// CreateWorkspaceRequest is the body of POST /api/v2/users/{user}/workspaces.
type CreateWorkspaceRequest struct {
	Name     string `json:"name"`
	Template string `json:"template"`
	// Parameters are values of the template's coder_parameter data
	// sources; Preset names a coder_workspace_preset whose values apply
	// beneath them: without one the template's default preset applies,
	// NoPreset ("none") applies none.
	Parameters []BuildParameter `json:"rich_parameter_values,omitempty"`
	Preset     string           `json:"preset,omitempty"`
	// Secrets are build secrets for the first build (see BuildSecret).
	Secrets []BuildSecret `json:"secrets,omitempty"`
	// SecretRefresh: RefreshRestart (default) or RefreshLive (see
	// Workspace).
	SecretRefresh string `json:"secret_refresh,omitempty"`
}

// CreateBuildRequest is the body of POST /api/v2/workspaces/{id}/builds.
type CreateBuildRequest struct {
	Transition string `json:"transition"`
	// Orphan, with the delete transition only, deletes the workspace
	// without running its template: what the template created is left
	// behind. The build succeeds at once.
	Orphan bool `json:"orphan,omitempty"`
	// Parameters change parameter values for a start build (mutable ones
	// only; the others keep the workspace's values). Values not given are
	// those of the last build, ephemeral ones excepted.
	Parameters []BuildParameter `json:"rich_parameter_values,omitempty"`
	// Secrets set, replace (same name) or remove (null value) build
	// secrets (see BuildSecret); the others are carried from the
	// workspace's last build, ephemeral ones excepted.
	Secrets []BuildSecret `json:"secrets,omitempty"`
}

// BuildLog is one line of a build's log. Every secret value of the owner is
// replaced by ******** before it is stored or streamed.
type BuildLog struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Stage     string    `json:"stage"`
	Level     string    `json:"level"`
	Output    string    `json:"output"`
}

// ValidateWorkspaceName checks a workspace name: like a username, 1 to 32
// characters of [a-zA-Z0-9-], not starting or ending with "-".
func ValidateWorkspaceName(n string) error { return validateSlug("workspace name", n) }

// ValidateTemplateName checks a template name (same rules).
func ValidateTemplateName(n string) error { return validateSlug("template name", n) }
