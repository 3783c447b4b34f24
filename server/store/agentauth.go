package store

// AgentAuth is what the agent API needs to admit an agent token, read in
// one query (WorkspaceStore.GetAgentAuth): the newest agent recorded with
// the token's hash, its workspace (deleted ones too), that workspace's
// latest build and its owner.
type AgentAuth struct {
	Agent       WorkspaceAgent
	Workspace   Workspace // without its state
	LatestBuild WorkspaceBuild
	Owner       User
}
