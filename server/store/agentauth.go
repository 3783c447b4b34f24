package store

import "github.com/google/uuid"

// AgentAuth is what the agent API needs to admit an agent token, read in
// one query (WorkspaceStore.GetAgentAuth): the newest agent recorded with
// the token's hash, its workspace (deleted ones too), that workspace's
// latest build and its owner, with the workspace's template name and the
// owner's secrets generation.
type AgentAuth struct {
	Agent       WorkspaceAgent
	Workspace   Workspace // without its state
	LatestBuild WorkspaceBuild
	Owner       User
	// TemplateName is the name of the workspace's template (what the
	// secrets' template scoping matches).
	TemplateName string
	// SecretsGeneration changes with every committed write to the
	// owner's secrets (create, any update, rename, delete, import), in the
	// write's own transaction: a manifest built at one generation is
	// current as long as it reads the same. It only ever grows.
	SecretsGeneration int64
}

// AgentAdmission is the part of AgentAuth that admits an agent token and
// keys the manifest served from memory (WorkspaceStore.GetAgentAdmission):
// the manifest route reads it alone while its manifest is cached, a row of
// ten short columns from a narrower query than the whole record's (it
// cost the database about half, measured with pgbench on PostgreSQL 15).
type AgentAdmission struct {
	AgentID, BuildID  uuid.UUID
	WorkspaceName     string
	WorkspaceDeleted  bool
	LatestBuildID     uuid.UUID
	LatestTransition  string
	LatestStatus      string
	OwnerName         string
	TemplateName      string
	SecretsGeneration int64
}

// Admission is the record's admission part, as GetAgentAdmission reads it.
func (a *AgentAuth) Admission() AgentAdmission {
	return AgentAdmission{
		AgentID: a.Agent.ID, BuildID: a.Agent.BuildID,
		WorkspaceName: a.Workspace.Name, WorkspaceDeleted: a.Workspace.Deleted,
		LatestBuildID: a.LatestBuild.ID, LatestTransition: a.LatestBuild.Transition, LatestStatus: a.LatestBuild.Status,
		OwnerName: a.Owner.Username, TemplateName: a.TemplateName, SecretsGeneration: a.SecretsGeneration,
	}
}
