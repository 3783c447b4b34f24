package store

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
