package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

const agentColumns = `id, build_id, workspace_id, name, token_hash, os, arch, directory, motd_file, env, scripts,
	lifecycle_state, first_connected, last_connected, created_at, config_ciphertext, config_key_id, apps`

// newAgent returns a as the store keeps it: an id, times in UTC to the
// microsecond (a zero CreatedAt is now), clean text.
func newAgent(a store.WorkspaceAgent, now time.Time) store.WorkspaceAgent {
	if a.ID == uuid.Nil {
		a.ID = uuid.New()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	a.CreatedAt = storedTime(a.CreatedAt)
	a.FirstConnected, a.LastConnected = timePtr(a.FirstConnected), timePtr(a.LastConnected)
	for _, f := range []*string{&a.Name, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile, &a.LifecycleState} {
		*f = cleanText(*f)
	}
	return a
}

func insertAgent(ctx context.Context, c conn, a store.WorkspaceAgent) error {
	_, err := c.exec(ctx, `INSERT INTO workspace_agents (`+agentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.BuildID, a.WorkspaceID, a.Name, nonNilBytes(a.TokenHash), a.OS, a.Arch, a.Directory, a.MOTDFile,
		nonNilBytes(a.Env), nonNilBytes(a.Scripts), a.LifecycleState, a.FirstConnected, a.LastConnected, a.CreatedAt,
		nilIfEmpty(a.ConfigCiphertext), nullString(a.ConfigKeyID), nonNilBytes(a.Apps))
	return err
}

// GetAgentByTokenHash returns the newest agent recorded with hash.
func (s *Store) GetAgentByTokenHash(ctx context.Context, hash []byte) (ret store.WorkspaceAgent, err error) {
	defer fail(&ret, &err, "get agent by token hash")
	var a store.WorkspaceAgent
	var configKeyID *string
	err = s.read().row(ctx, agentDest(&a, &configKeyID), `SELECT `+qualify("a", agentColumns)+`
		FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
		WHERE a.token_hash = ?
		ORDER BY a.created_at DESC, b.build_number DESC, a.id DESC LIMIT 1`, nonNilBytes(hash))
	return fixAgent(a, configKeyID), err
}

// ListAgentsByBuild returns the agents a build recorded, by name then id.
func (s *Store) ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) (_ []store.WorkspaceAgent, err error) {
	defer wrap(&err, "list agents by build")
	return s.queryAgents(ctx, `SELECT `+agentColumns+` FROM workspace_agents WHERE build_id = ? ORDER BY name, id`, buildID)
}

// UpdateAgentLifecycle sets the agent's lifecycle state.
func (s *Store) UpdateAgentLifecycle(ctx context.Context, id uuid.UUID, state string) (err error) {
	defer wrap(&err, "update agent lifecycle")
	return s.updateAgent(ctx, `UPDATE workspace_agents SET lifecycle_state = ? WHERE id = ?`, cleanText(state), id)
}

// UpdateAgentConnection records a connection at at.
func (s *Store) UpdateAgentConnection(ctx context.Context, id uuid.UUID, at time.Time) (err error) {
	defer wrap(&err, "update agent connection")
	at = storedTimeOrNow(at)
	err = s.updateAgent(ctx, `UPDATE workspace_agents
		SET first_connected = COALESCE(first_connected, ?), last_connected = ? WHERE id = ?`, at, at, id)
	return err
}

// updateAgent runs an UPDATE of one agent; store.ErrNotFound if it changed
// no row.
func (s *Store) updateAgent(ctx context.Context, query string, args ...any) error {
	return s.writeOne(ctx, func(c conn) error {
		n, err := c.exec(ctx, query, args...)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
}

// InsertAgentLogs appends logs in one write transaction, in order; text is
// cleaned (see cleanText).
func (s *Store) InsertAgentLogs(ctx context.Context, logs []store.AgentLog) (err error) {
	defer wrap(&err, "insert agent logs")
	return s.insertRows(ctx, `INSERT INTO agent_logs (agent_id, created_at, level, source, output) VALUES `, 5, len(logs),
		func(i int) []any {
			l := logs[i]
			return []any{l.AgentID, storedTimeOrNow(l.CreatedAt), cleanText(l.Level), cleanText(l.Source), cleanText(l.Output)}
		})
}

// ListAgentLogs returns the agent's lines with ID > afterID in ID order.
func (s *Store) ListAgentLogs(ctx context.Context, agentID uuid.UUID, afterID int64) (_ []store.AgentLog, err error) {
	defer wrap(&err, "list agent logs")
	return queryAll(ctx, s, func(r scanner) (store.AgentLog, error) {
		var l store.AgentLog
		return l, r.Scan(&l.ID, &l.AgentID, timeCol{&l.CreatedAt}, &l.Level, &l.Source, &l.Output)
	}, `SELECT id, agent_id, created_at, level, source, output FROM agent_logs
		WHERE agent_id = ? AND id > ? ORDER BY id`, agentID, afterID)
}

// agentDest is where a row of agentColumns is scanned; fixAgent finishes
// the record.
func agentDest(a *store.WorkspaceAgent, configKeyID **string) []any {
	return []any{&a.ID, &a.BuildID, &a.WorkspaceID, &a.Name, &a.TokenHash, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile,
		&a.Env, &a.Scripts, &a.LifecycleState, nullTimeCol{&a.FirstConnected}, nullTimeCol{&a.LastConnected},
		timeCol{&a.CreatedAt}, &a.ConfigCiphertext, configKeyID, &a.Apps}
}

func fixAgent(a store.WorkspaceAgent, configKeyID *string) store.WorkspaceAgent {
	a.TokenHash, a.Env, a.Scripts, a.Apps = nilIfEmpty(a.TokenHash), nilIfEmpty(a.Env), nilIfEmpty(a.Scripts), nilIfEmpty(a.Apps)
	a.ConfigCiphertext, a.ConfigKeyID = nilIfEmpty(a.ConfigCiphertext), str(configKeyID)
	return a
}

func (s *Store) queryAgents(ctx context.Context, query string, args ...any) ([]store.WorkspaceAgent, error) {
	return queryAll(ctx, s, func(r scanner) (store.WorkspaceAgent, error) {
		var a store.WorkspaceAgent
		var configKeyID *string
		if err := r.Scan(agentDest(&a, &configKeyID)...); err != nil {
			return store.WorkspaceAgent{}, err
		}
		return fixAgent(a, configKeyID), nil
	}, query, args...)
}

// AgentConfigKeyIDs returns each key id sealing an agent's config with its
// row count.
func (s *Store) AgentConfigKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "agent config key ids")
	return s.keyIDCounts(ctx,
		`SELECT config_key_id, COUNT(*) FROM workspace_agents WHERE config_key_id IS NOT NULL GROUP BY config_key_id`)
}

// ListAgentsByConfigKeyID returns up to limit agents whose config is sealed
// by keyID ("": not sealed yet), ordered by id.
func (s *Store) ListAgentsByConfigKeyID(ctx context.Context, keyID string, limit int) (_ []store.WorkspaceAgent, err error) {
	defer wrap(&err, "list agents by config key id")
	return s.queryAgents(ctx, `SELECT `+agentColumns+` FROM workspace_agents
		WHERE COALESCE(config_key_id, '') = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceAgentConfig seals agent id's config anew (see store.WorkspaceStore).
func (s *Store) ReplaceAgentConfig(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace agent config")
	return s.replaceSealedSet(ctx, "workspace_agents",
		`config_ciphertext = ?, config_key_id = ?, directory = '', motd_file = '', env = ?, scripts = ?, apps = ?`,
		`COALESCE(config_key_id, '') = ?`, []any{nonNilBytes(ciphertext), newKeyID, []byte{}, []byte{}, []byte{}}, id, oldKeyID)
}
