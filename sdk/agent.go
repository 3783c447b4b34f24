package sdk

import (
	"time"

	"github.com/google/uuid"
)

// AgentTokenHeader carries a workspace agent's token. (The agent sends it in
// the same header as users send theirs: Coder-Session-Token.)
const AgentTokenHeader = SessionTokenHeader

// Env merge strategies of coder_env.
const (
	MergeReplace = "replace"
	MergeAppend  = "append"
	MergePrepend = "prepend"
	MergeError   = "error"
)

// EnvVar is one template environment variable, in the order it applies:
// first the coder_agent env (strategy replace), then each coder_env.
type EnvVar struct {
	Name          string `json:"name"`
	Value         string `json:"value"`
	MergeStrategy string `json:"merge_strategy"`
	// Source is "coder_agent" or "coder_env".
	Source string `json:"source"`
}

// AgentScript is a script the agent runs: the coder_agent startup_script
// (display name "Startup Script") or a coder_script.
type AgentScript struct {
	DisplayName      string `json:"display_name"`
	Script           string `json:"script"`
	RunOnStart       bool   `json:"run_on_start"`
	RunOnStop        bool   `json:"run_on_stop"`
	StartBlocksLogin bool   `json:"start_blocks_login"`
	// TimeoutSeconds is 0 for no timeout.
	TimeoutSeconds int    `json:"timeout_seconds"`
	LogPath        string `json:"log_path,omitempty"`
	Cron           string `json:"cron,omitempty"`
}

// WorkspaceSecret is a secret delivered to a workspace: only secrets with a
// target are sent.
type WorkspaceSecret struct {
	Name     string      `json:"name"`
	EnvName  string      `json:"env_name,omitempty"`
	FilePath string      `json:"file_path,omitempty"`
	Value    SecretValue `json:"value"`
	// Source is "user" for a user secret, "build" for a secret given
	// with the workspace's build (which beats a user secret per target).
	Source string `json:"source,omitempty"`
	// Refresh is RefreshLive for a secret whose file the agent rewrites
	// when the server pushes a manifest (see AgentPushHeader).
	Refresh string `json:"refresh,omitempty"`
}

// AgentManifest is what an agent fetches at start and at every reconnect.
type AgentManifest struct {
	AgentID       uuid.UUID         `json:"agent_id"`
	AgentName     string            `json:"agent_name"`
	WorkspaceID   uuid.UUID         `json:"workspace_id"`
	WorkspaceName string            `json:"workspace_name"`
	OwnerName     string            `json:"owner_name"`
	BuildID       uuid.UUID         `json:"build_id"`
	Directory     string            `json:"directory,omitempty"`
	MOTDFile      string            `json:"motd_file,omitempty"`
	Env           []EnvVar          `json:"env"`
	Scripts       []AgentScript     `json:"scripts"`
	Secrets       []WorkspaceSecret `json:"secrets"`
	// Apps are the agent's coder_app blocks: it runs their healthchecks.
	Apps []WorkspaceApp `json:"apps,omitempty"`
	// Problems are messages for the workspace owner about secrets left out
	// of Secrets (a stored value that cannot be opened names its secret);
	// the agent logs each one.
	Problems []string `json:"problems,omitempty"`
	// Revision names what this manifest delivers (the secrets' names,
	// targets and value revisions): an opaque digest that reveals nothing
	// about a value. The agent reports it back once it applied the
	// manifest (AgentManifestAppliedRequest), so the server can tell
	// whether the workspace runs what its owner's secrets hold now.
	Revision string `json:"revision,omitempty"`
}

// AgentPushHeader starts a stream the server opens on an agent's
// connection to push a manifest (live file refresh): the header, then the
// manifest's JSON; the agent answers AgentPushAck once it wrote the files.
// Other streams are SSH, whose first byte is never NUL.
const (
	AgentPushHeader = "\x00coder manifest push v1\n"
	AgentPushAck    = "ok\n"
	// MaxPushedManifestBytes bounds a pushed manifest.
	MaxPushedManifestBytes = 8 << 20
)

// AgentManifestAppliedRequest is the body of POST
// /api/v2/workspaceagents/me/manifest/applied: the agent applied the
// manifest of Revision. StaleFiles are the files the agent wrote for
// secrets in this workspace earlier that no secret of the manifest
// targets any more (the agent never deletes them).
type AgentManifestAppliedRequest struct {
	AgentID    uuid.UUID   `json:"agent_id,omitempty"`
	Revision   string      `json:"revision"`
	StaleFiles []StaleFile `json:"stale_files"`
	// Home is the agent's home folder: what "~/" in a secret's file path
	// means there (the preview resolves paths with it).
	Home string `json:"home,omitempty"`
}

// StaleFile is a file the agent wrote for a secret that no current secret
// targets: Path is where it is (absolute), Secret the secret it was
// written for. Its content is never reported.
type StaleFile struct {
	Path   string `json:"path"`
	Secret string `json:"secret"`
}

// MaxStaleFiles bounds the stale files one report carries.
const MaxStaleFiles = 1000

// Agent lifecycle states.
const (
	LifecycleCreated    = "created"
	LifecycleStarting   = "starting"
	LifecycleReady      = "ready"
	LifecycleStartError = "start_error"
	LifecycleShutdown   = "shutting_down"
	LifecycleOff        = "off"
)

// AgentLifecycleRequest is the body of POST /api/v2/workspaceagents/me/lifecycle.
type AgentLifecycleRequest struct {
	State     string    `json:"state"`
	ChangedAt time.Time `json:"changed_at"`
	// AgentID is the agent_id of the manifest the report belongs to. A
	// coder_agent keeps its token across builds, so an agent of an earlier
	// build (stopping late) could otherwise report for the current one: the
	// server refuses a report whose AgentID is not the current agent's
	// (409). Empty means the current agent.
	AgentID uuid.UUID `json:"agent_id,omitempty"`
}

// AgentLog is one line of a script's output.
type AgentLog struct {
	CreatedAt time.Time `json:"created_at"`
	Level     string    `json:"level"`
	Output    string    `json:"output"`
	// Source is the display name of the script.
	Source string `json:"source"`
}

// AgentLogsRequest is the body of POST /api/v2/workspaceagents/me/logs.
type AgentLogsRequest struct {
	Logs []AgentLog `json:"logs"`
	// AgentID: as in AgentLifecycleRequest.
	AgentID uuid.UUID `json:"agent_id,omitempty"`
}

// WorkspaceAgent is an agent as users see it.
type WorkspaceAgent struct {
	ID             uuid.UUID  `json:"id"`
	Name           string     `json:"name"`
	LifecycleState string     `json:"lifecycle_state"`
	Connected      bool       `json:"connected"`
	LastSeenAt     *time.Time `json:"last_seen_at,omitempty"`
	// StateKey changes whenever the agent (a new build's), its connection
	// or its lifecycle state does: give it to WaitWorkspaceAgent to wait
	// for the next change.
	StateKey string `json:"state_key"`
}
