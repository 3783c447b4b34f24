package sqlstore

import (
	"context"
	"fmt"

	"github.com/usersecrets/coder/server/store"
)

// GetAPIKeyAuth returns the key with id, expired or not, its user and the
// user's secrets generation, in one query (one round trip per
// authenticated request); store.ErrNotFound if there is no such key. A
// key's user cannot be missing: deleting a user deletes their keys.
func (s *Store) GetAPIKeyAuth(ctx context.Context, id string) (store.APIKeyAuth, error) {
	var a store.APIKeyAuth
	k, u := &a.Key, &a.User
	err := s.read().row(ctx, []any{
		&k.ID, &k.HashedSecret, &k.UserID, &k.Kind, timeCol{&k.ExpiresAt}, timeCol{&k.CreatedAt},
		&u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt},
		&a.SecretsGeneration,
	}, `SELECT k.id, k.hashed_secret, k.user_id, k.kind, k.expires_at, k.created_at,
		u.id, u.username, u.email, u.name, u.hashed_password, u.role, u.created_at, u.updated_at, u.secrets_generation
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, id)
	if err != nil {
		return store.APIKeyAuth{}, fmt.Errorf("get api key auth: %w", err)
	}
	k.HashedSecret = nilIfEmpty(k.HashedSecret)
	u.HashedPassword = nilIfEmpty(u.HashedPassword)
	return a, nil
}

// agentAuthQuery is GetAgentAuth's query, built once (it runs on every
// agent request).
var agentAuthQuery = `SELECT ` + qualify("a", agentColumns) + `, ` + qualify("w", workspaceColumns) + `, ` +
	qualify("lb", buildColumns) + `, ` + qualify("u", userColumns) + `, t.name, u.secrets_generation
	FROM workspace_agents a
	JOIN workspace_builds b ON b.id = a.build_id
	JOIN workspaces w ON w.id = a.workspace_id
	JOIN users u ON u.id = w.owner_id
	JOIN templates t ON t.id = w.template_id
	JOIN workspace_builds lb ON lb.workspace_id = w.id
		AND lb.build_number = (SELECT MAX(build_number) FROM workspace_builds WHERE workspace_id = w.id)
	WHERE a.token_hash = ?
	ORDER BY a.created_at DESC, b.build_number DESC, a.id DESC LIMIT 1`

// GetAgentAuth returns the newest agent recorded with hash (as
// GetAgentByTokenHash and scanAgent, whose columns it repeats), its workspace, the workspace's latest build and
// the owner, its template's name and the owner's secrets generation, in one query: the agent API's one round trip before its
// handler's own. store.ErrNotFound if no agent has hash.
func (s *Store) GetAgentAuth(ctx context.Context, hash []byte) (ret *store.AgentAuth, err error) {
	defer fail(&ret, &err, "get agent auth")
	var (
		r           = new(store.AgentAuth)
		configKeyID *string
	)
	w, lb, u := &r.Workspace, &r.LatestBuild, &r.Owner
	a := &r.Agent
	dest := make([]any, 0, 64)
	dest = append(dest, &a.ID, &a.BuildID, &a.WorkspaceID, &a.Name, &a.TokenHash, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile,
		&a.Env, &a.Scripts, &a.LifecycleState, nullTimeCol{&a.FirstConnected}, nullTimeCol{&a.LastConnected},
		timeCol{&a.CreatedAt}, &a.ConfigCiphertext, &configKeyID, &a.Apps)
	dest = append(dest, &w.ID, &w.Name, &w.OwnerID, &w.TemplateID, &w.Deleted, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}, &w.SecretRefresh)
	dest = append(dest, &lb.ID, &lb.WorkspaceID, &lb.BuildNumber, &lb.Transition, &lb.Status, &lb.TemplateVersionID, &lb.InitiatorID,
		&lb.Error, &lb.WorkerID, timeCol{&lb.CreatedAt}, nullTimeCol{&lb.StartedAt}, nullTimeCol{&lb.CompletedAt}, nullTimeCol{&lb.HeartbeatAt})
	dest = append(dest, &u.ID, &u.Username, &u.Email, &u.Name, &u.HashedPassword, &u.Role, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt},
		&r.TemplateName, &r.SecretsGeneration)
	err = s.read().row(ctx, dest, agentAuthQuery, nonNilBytes(hash))
	if err != nil {
		return nil, err
	}
	a.TokenHash, a.Env, a.Scripts, a.Apps = nilIfEmpty(a.TokenHash), nilIfEmpty(a.Env), nilIfEmpty(a.Scripts), nilIfEmpty(a.Apps)
	a.ConfigCiphertext, a.ConfigKeyID = nilIfEmpty(a.ConfigCiphertext), str(configKeyID)
	u.HashedPassword = nilIfEmpty(u.HashedPassword)
	return r, nil
}

// agentAdmissionQuery is GetAgentAdmission's: the newest agent with the
// hash first (as GetAgentByTokenHash orders them), then its workspace's
// latest build by its key, ten columns in all. Written so that both
// dialects run it (no LATERAL in SQLite).
const agentAdmissionQuery = `SELECT a.id, a.build_id, w.name, w.deleted, lb.id, lb.transition, lb.status, u.username, t.name, u.secrets_generation
	FROM (SELECT a.id, a.build_id, a.workspace_id FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
		WHERE a.token_hash = ? ORDER BY a.created_at DESC, b.build_number DESC, a.id DESC LIMIT 1) a
	JOIN workspaces w ON w.id = a.workspace_id
	JOIN users u ON u.id = w.owner_id
	JOIN templates t ON t.id = w.template_id
	JOIN workspace_builds lb ON lb.id = (SELECT id FROM workspace_builds WHERE workspace_id = w.id ORDER BY build_number DESC LIMIT 1)`

// GetAgentAdmission returns what GetAgentAuth's record's Admission would,
// in one narrower query; store.ErrNotFound if no agent has hash.
func (s *Store) GetAgentAdmission(ctx context.Context, hash []byte) (ret *store.AgentAdmission, err error) {
	defer fail(&ret, &err, "get agent admission")
	r := new(store.AgentAdmission)
	err = s.read().row(ctx, []any{&r.AgentID, &r.BuildID, &r.WorkspaceName, &r.WorkspaceDeleted, &r.LatestBuildID,
		&r.LatestTransition, &r.LatestStatus, &r.OwnerName, &r.TemplateName, &r.SecretsGeneration}, agentAdmissionQuery, nonNilBytes(hash))
	if err != nil {
		return nil, err
	}
	return r, nil
}
