// Package store defines the server's persistence contract: one Store
// interface, its records, and the sentinel errors every backend returns.
// The one implementation is sqlstore, on the embedded default SQLite
// (sqlitestore) or on PostgreSQL (pgstore); storetest holds the conformance
// suite it passes on both.
//
// A backend never sees a plaintext: secret values (with their plaintext
// size, for the quotas) and workspace states arrive sealed by the key they
// name (store/cryptstore). List queries never select the ciphertext.
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

// APIKeyAuth is what authenticating a session or API token reads: the key,
// expired or not, its user and the user's secrets generation (as
// AgentAuth.SecretsGeneration: what the server's cache of the user's secret
// metadata is checked against).
type APIKeyAuth struct {
	Key               APIKey
	User              User
	SecretsGeneration int64
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
	Enabled   bool
	ValueSize int // plaintext length in bytes
	// Templates is the allow-list of template names whose workspaces get
	// the secret; empty means every template.
	Templates []string
	// Refresh is sdk.RefreshLive for a secret whose files running
	// workspaces rewrite when it changes; "" otherwise.
	Refresh string
	// ValueRev is a random token the backend draws anew at every write of
	// the value (an insert that gives none, an update that sets
	// Ciphertext); re-sealing keeps it. It says that a value changed and
	// is derived from nothing.
	ValueRev   string
	Ciphertext []byte
	KeyID      string
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Value is the plaintext, and ValueErr why the stored value does not
	// open: only the encryption decorator (store/cryptstore) fills or
	// reads them, never a backend.
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
// unique fields and writes the audit entry in the insert's transaction.
type InsertSecretParams struct {
	Secret  Secret // ID, OwnerID, Name, Description, EnvName, FilePath, Enabled, ValueSize, Ciphertext, KeyID, CreatedAt
	Quota   Quota
	ActorID uuid.UUID
}

// SecretName is one secret's identity. A name stored before a rule of
// sdk.ValidateSecretName existed may break it (such as "..", which no URL
// path can reach); the server renames those at start.
type SecretName struct {
	ID      uuid.UUID
	OwnerID uuid.UUID
	Name    string
}

// UpdateSecretParams changes a secret found by owner and name. A nil field is
// unchanged; a pointer to "" clears a target or the description. When
// Ciphertext is set, KeyID and ValueSize must be set too. The backend
// rechecks the quota and writes the audit entry in the same transaction.
//
// Now is the clock (nil means time.Now), read inside the write transaction
// once the owner's row is locked, so concurrent updates store updated_at in
// the order they commit; updated_at never moves back (a clock behind the
// stored time, say another server process's, keeps it). So the stored
// updated_at is never older than one an acknowledged update returned.
type UpdateSecretParams struct {
	OwnerID     uuid.UUID
	Name        string
	Description *string
	EnvName     *string
	FilePath    *string
	Enabled     *bool
	// Templates replaces the allow-list (a pointer to an empty slice:
	// every template).
	Templates *[]string
	// Refresh replaces the refresh mode.
	Refresh    *string
	Ciphertext []byte
	KeyID      string
	ValueSize  int
	Now        func() time.Time
	Quota      Quota
	ActorID    uuid.UUID

	// Value is the new plaintext, for the encryption decorator
	// (store/cryptstore), which seals it into Ciphertext, KeyID and
	// ValueSize. The backends never read it.
	Value *sdk.SecretValue
}

// AuditEntry records a change to a secret: which fields changed, never a
// value. The store writes one with each InsertSecret, UpdateSecret and
// DeleteSecret (and one per secret of InsertSecrets); ListAuditEntries reads them.
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
	// "description", "env_name", "file_path", "enabled", "templates", "refresh").
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
	// GetAPIKeyAuth returns the key with id, its user and the user's
	// secrets generation in one query (authentication's one round trip);
	// ErrNotFound if no key.
	GetAPIKeyAuth(ctx context.Context, id string) (APIKeyAuth, error)
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

	// ListAuditEntries returns the entries f selects, newest first (by
	// time, then by insertion order).
	ListAuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Key management: which key ids seal stored values, and re-encryption.
	// ListSecretNames returns every secret's id, owner and name, for the
	// start-up check of names (see SecretName).
	ListSecretNames(ctx context.Context) ([]SecretName, error)
	// RenameSecret gives the secret id newName (ErrConflict if its owner
	// has a secret by that name; ErrNotFound if there is no such secret),
	// with an audit entry by the server (the nil actor).
	RenameSecret(ctx context.Context, id uuid.UUID, newName string) error
	// SecretKeyIDs returns each distinct key id in use with its row count.
	SecretKeyIDs(ctx context.Context) (map[string]int, error)
	// ListSecretsByKeyID returns up to limit secrets, with values, sealed by keyID.
	ListSecretsByKeyID(ctx context.Context, keyID string, limit int) ([]Secret, error)
	// ReplaceSecretCiphertext swaps the ciphertext of one secret if it is
	// still sealed by oldKeyID (so a concurrent update is never undone).
	ReplaceSecretCiphertext(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error

	// Templates, workspaces, builds and agents.
	WorkspaceStore
	// Resources, metadata and app health.
	AppStore
}

// Template is a named template; its versions hold the files. Names are
// unique, compared byte for byte.
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
	// Plan, when set, is recorded with the version (InsertTemplateVersion
	// only; see GetVersionPlan).
	Plan *VersionPlan
}

// Workspace belongs to one owner and one template. Its Terraform state is
// kept sealed (StateCiphertext, StateKeyID); only GetWorkspaceState and
// ListWorkspacesByStateKeyID read it: the other methods return nil and "".
// A deleted workspace keeps its row (Deleted is true) and frees its name.
type Workspace struct {
	ID              uuid.UUID
	Name            string
	OwnerID         uuid.UUID
	TemplateID      uuid.UUID
	Deleted         bool
	StateCiphertext []byte
	StateKeyID      string
	// SecretRefresh is sdk.RefreshLive for a workspace whose agent
	// rewrites the file of every file-only secret in place when it
	// changes (issue 16), "" for the guide's behaviour.
	SecretRefresh string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// WorkspaceBuild is one provisioner run; it is also the job that workers
// claim. A workspace has at most one build that is pending or running.
// WorkerID is "" until a worker claims the build; unset times are nil.
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
	// Parameters, when set, are recorded with the build (InsertBuild and
	// InsertWorkspace only; see GetBuildParameters).
	Parameters *BuildParameters
	// Secrets are the build's whole set of build secrets, recorded with
	// it (InsertBuild and InsertWorkspace only; see BuildSecretStore).
	Secrets []BuildSecret
	// SecretsBase, when set, is the workspace's latest build that Secrets
	// were computed from (InsertBuild only).
	SecretsBase uuid.UUID
}

// WorkspaceAgent is a coder_agent recorded after a successful apply. Env and
// Scripts are JSON ([]sdk.EnvVar, []sdk.AgentScript), opaque to the store.
// Its text fields, like a build's Error and log lines, are stored as valid
// UTF-8 without NUL: PostgreSQL text holds neither, so both backends turn
// such bytes into U+FFFD.
type WorkspaceAgent struct {
	ID          uuid.UUID
	BuildID     uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
	// TokenHash is the sha256 of the token. It is not unique: a coder_agent
	// keeps its token across builds, and each build records its own row.
	TokenHash      []byte
	OS             string
	Arch           string
	Directory      string
	MOTDFile       string
	Env            []byte
	Scripts        []byte
	Apps           []byte // JSON []sdk.WorkspaceApp, sealed in the config like Env and Scripts
	LifecycleState string
	FirstConnected *time.Time
	LastConnected  *time.Time
	CreatedAt      time.Time

	// ConfigCiphertext seals (secretcrypt.AgentConfigAAD) what the
	// template set for the agent: directory, motd file, env, scripts and
	// apps, whose own fields are then empty. ConfigKeyID names its key; "" for a
	// row recorded before agents were sealed, whose fields are plaintext
	// until the server's start seals them.
	ConfigCiphertext []byte
	ConfigKeyID      string
	// ConfigErr is set by the encryption decorator (store/cryptstore)
	// when the sealed config does not open; the config fields are then
	// empty. The backends never read or fill it.
	ConfigErr error
}

// BuildLog is one stored line of a build's log (already redacted). Its text
// is stored as valid UTF-8 without NUL (other bytes become U+FFFD).
type BuildLog struct {
	ID        int64 // set by the store: one increasing sequence for all builds
	BuildID   uuid.UUID
	CreatedAt time.Time
	Stage     string
	Level     string
	Output    string
}

// AgentLog is one stored line of a script's output (already redacted),
// stored like a BuildLog.
type AgentLog struct {
	ID        int64 // set by the store: one increasing sequence for all agents
	AgentID   uuid.UUID
	CreatedAt time.Time
	Level     string
	Source    string
	Output    string
}

// CompleteBuildParams ends a build with Status (succeeded or failed), Error
// and CompletedAt (now when zero). In one transaction: State, if not nil,
// replaces the workspace's sealed state and key id whatever the status (a
// failed apply may still have changed the state); when Status is
// succeeded, Agents and Resources are recorded (with their BuildID and
// WorkspaceID as given) and a delete build marks the workspace deleted; the workspace's
// UpdatedAt becomes CompletedAt. The build must still be running under
// WorkerID; otherwise a *ConflictError{Field: "build"} (ErrNotFound for an
// unknown build) and nothing changes.
type CompleteBuildParams struct {
	BuildID     uuid.UUID
	WorkerID    string
	Status      string
	Error       string
	State       []byte
	StateKeyID  string
	Agents      []WorkspaceAgent
	Resources   []WorkspaceResource // recorded like Agents (see AppStore)
	CompletedAt time.Time
}

// WorkspaceStore is the part of Store for templates, workspaces, builds and
// agents. Times are returned in UTC to the microsecond; zero ids are
// generated and zero creation times are now. Deleting a user deletes their
// workspaces with their builds, agents and logs; templates and builds
// outlive the users who pushed or started them.
type WorkspaceStore interface {
	ParameterStore
	BuildSecretStore
	ManifestStore

	// InsertTemplateVersion stores v as the new active version of the
	// template named name, creating the template (id uuid.New(), owned by
	// v.CreatedBy) if the name is new. The store sets v.TemplateID and
	// v.Number (1 + the template's highest) and the template's
	// ActiveVersionID and UpdatedAt (v.CreatedAt). It is atomic: concurrent
	// pushes of one name never share a number or create two templates.
	InsertTemplateVersion(ctx context.Context, name string, v TemplateVersion) (Template, TemplateVersion, error)
	// GetTemplateByName, GetTemplateByID and GetTemplateVersion return
	// ErrNotFound when there is no such row.
	GetTemplateByName(ctx context.Context, name string) (Template, error)
	GetTemplateByID(ctx context.Context, id uuid.UUID) (Template, error)
	ListTemplates(ctx context.Context) ([]Template, error) // sorted by name
	GetTemplateVersion(ctx context.Context, id uuid.UUID) (TemplateVersion, error)

	// InsertWorkspace stores a workspace (live, without state) and its
	// first build (number 1, for that workspace; pending when Status is
	// empty) atomically. A live (not deleted) workspace of the same owner
	// and name is a *ConflictError{Field: "name"}; a deleted one's name may
	// be reused. An unknown owner, template or version is ErrNotFound.
	InsertWorkspace(ctx context.Context, w Workspace, first WorkspaceBuild) (Workspace, WorkspaceBuild, error)
	// GetWorkspaceByID finds a workspace, deleted ones too (Deleted true).
	GetWorkspaceByID(ctx context.Context, id uuid.UUID) (Workspace, error)
	// GetWorkspaceByOwnerAndName finds a live workspace.
	GetWorkspaceByOwnerAndName(ctx context.Context, ownerID uuid.UUID, name string) (Workspace, error)
	ListWorkspaces(ctx context.Context, ownerID uuid.UUID) ([]Workspace, error) // live ones, by name
	// SetWorkspaceSecretRefresh sets a live workspace's SecretRefresh
	// (sdk.RefreshLive or "") and its UpdatedAt (now) and returns it;
	// ErrNotFound for an unknown or deleted workspace.
	SetWorkspaceSecretRefresh(ctx context.Context, id uuid.UUID, refresh string, now time.Time) (Workspace, error)
	// GetWorkspaceState returns the sealed state and its key id (nil and ""
	// when no build recorded one), deleted workspaces too; ErrNotFound for
	// an unknown workspace.
	GetWorkspaceState(ctx context.Context, id uuid.UUID) ([]byte, string, error)

	// InsertBuild queues a build (pending when Status is empty) as number
	// 1 + the workspace's last. A workspace with a pending or running
	// build is a *ConflictError{Field: "build"}; a deleted or unknown one
	// ErrNotFound. It is atomic against concurrent InsertBuild calls.
	InsertBuild(ctx context.Context, b WorkspaceBuild) (WorkspaceBuild, error)
	GetBuild(ctx context.Context, id uuid.UUID) (WorkspaceBuild, error)
	// GetLatestBuild returns the build with the highest number; ErrNotFound
	// when the workspace has none.
	GetLatestBuild(ctx context.Context, workspaceID uuid.UUID) (WorkspaceBuild, error)
	// ClaimBuild marks the oldest pending build (by CreatedAt, then ID)
	// running under workerID, with StartedAt and HeartbeatAt now, and
	// returns it; ErrNotFound when none is pending. Several processes may
	// call it at once: each build is claimed exactly once.
	ClaimBuild(ctx context.Context, workerID string, now time.Time) (WorkspaceBuild, error)
	// HeartbeatBuild records that workerID still runs the build;
	// *ConflictError{Field: "build"} when the build is not running under
	// workerID, ErrNotFound when there is no such build.
	HeartbeatBuild(ctx context.Context, id uuid.UUID, workerID string, now time.Time) error
	CompleteBuild(ctx context.Context, p CompleteBuildParams) error
	// CancelBuild asks a build to stop: a pending one becomes canceled at
	// once (CompletedAt now), a running one records the request for its
	// worker (see BuildCancelRequested) and ends when the worker completes
	// it as canceled. A build that has ended is left as it is. It returns
	// the build after the change; ErrNotFound for an unknown build.
	CancelBuild(ctx context.Context, id uuid.UUID, now time.Time) (WorkspaceBuild, error)
	// BuildCancelRequested reports whether a cancel was asked for the
	// build; ErrNotFound for an unknown build.
	BuildCancelRequested(ctx context.Context, id uuid.UUID) (bool, error)
	// FailStaleBuilds fails running builds whose heartbeat is older than
	// before (their server stopped), with reason as the error and now as
	// CompletedAt. It returns how many it failed.
	FailStaleBuilds(ctx context.Context, before time.Time, reason string) (int, error)

	// InsertBuildLogs stores logs in order, giving each the next ID; an
	// unknown build is ErrNotFound and nothing is stored.
	InsertBuildLogs(ctx context.Context, logs []BuildLog) error
	// ListBuildLogs returns the build's lines with ID > afterID, in order.
	ListBuildLogs(ctx context.Context, buildID uuid.UUID, afterID int64) ([]BuildLog, error)

	// GetAgentByTokenHash returns the most recently recorded agent with
	// that token hash (newest CreatedAt, then highest build number).
	GetAgentByTokenHash(ctx context.Context, hash []byte) (WorkspaceAgent, error)
	// GetAgentAuth returns that agent with its workspace, the workspace's
	// latest build and its owner, in one query; ErrNotFound if no agent.
	// The record is about a kilobyte: a pointer, so that the agent API's
	// frames do not each hold a copy (they grew every request goroutine's
	// stack past 8 KiB).
	GetAgentAuth(ctx context.Context, hash []byte) (*AgentAuth, error)
	// GetAgentAdmission returns GetAgentAuth's record's Admission, read
	// alone (a narrower query); ErrNotFound if no agent has hash.
	GetAgentAdmission(ctx context.Context, hash []byte) (*AgentAdmission, error)
	ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) ([]WorkspaceAgent, error) // by name
	// UpdateAgentLifecycle sets LifecycleState; ErrNotFound for an
	// unknown agent.
	UpdateAgentLifecycle(ctx context.Context, id uuid.UUID, state string) error
	// UpdateAgentConnection records a connection: it sets LastConnected,
	// and FirstConnected if unset; ErrNotFound for an unknown agent.
	UpdateAgentConnection(ctx context.Context, id uuid.UUID, at time.Time) error
	// InsertAgentLogs and ListAgentLogs work like their build log
	// counterparts, per agent.
	InsertAgentLogs(ctx context.Context, logs []AgentLog) error
	ListAgentLogs(ctx context.Context, agentID uuid.UUID, afterID int64) ([]AgentLog, error)

	// SetAgentRelay records that agentID is connected to the server process
	// reachable at relayURL; ClearAgentRelay removes the record if it still
	// names relayURL; GetAgentRelay returns it, or ErrNotFound. Several
	// server processes use them to relay sessions to an agent connected to
	// another process.
	SetAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string, at time.Time) error
	ClearAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string) error
	GetAgentRelay(ctx context.Context, agentID uuid.UUID) (string, error)

	// AgentConfigKeyIDs returns each key id sealing an agent's config with
	// its row count (rows not sealed yet do not count).
	AgentConfigKeyIDs(ctx context.Context) (map[string]int, error)
	// ListAgentsByConfigKeyID returns up to limit (none when <= 0) agents
	// whose config is sealed by keyID, or not sealed yet for "", by id.
	ListAgentsByConfigKeyID(ctx context.Context, keyID string, limit int) ([]WorkspaceAgent, error)
	// ReplaceAgentConfig sets agent id's sealed config and key id, and
	// empties its plaintext directory, motd file, env and scripts, if its
	// config is still sealed by oldKeyID ("": not sealed yet). ErrNotFound
	// if there is no such agent, a *ConflictError with Field "key_id" if it
	// was sealed anew meanwhile.
	ReplaceAgentConfig(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error

	// WorkspaceStateKeyIDs, ListWorkspacesByStateKeyID and
	// ReplaceWorkspaceState rotate the keys of sealed states (deleted
	// workspaces' too) like the secret methods of the same purpose. The
	// list returns up to limit (none when <= 0), with StateCiphertext and
	// StateKeyID; the swap is ErrNotFound for an unknown workspace,
	// *ConflictError{Field: "key_id"} if the state changed meanwhile.
	WorkspaceStateKeyIDs(ctx context.Context) (map[string]int, error)
	ListWorkspacesByStateKeyID(ctx context.Context, keyID string, limit int) ([]Workspace, error)
	ReplaceWorkspaceState(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error
}
