package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

const agentColumns = `id, build_id, workspace_id, name, token_hash, os, arch, directory, motd_file, env, scripts,
	lifecycle_state, first_connected, last_connected, created_at, config_ciphertext, config_key_id`

// insertAgent stores a as the store keeps it: an id, times in UTC to the
// microsecond (a zero CreatedAt is now), clean text.
func insertAgent(ctx context.Context, c conn, a store.WorkspaceAgent, now time.Time) error {
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
	return c.insert(ctx, "workspace_agents", agentColumns, a.ID, a.BuildID, a.WorkspaceID, a.Name,
		nonNilBytes(a.TokenHash), a.OS, a.Arch, a.Directory, a.MOTDFile, nonNilBytes(a.Env), nonNilBytes(a.Scripts),
		a.LifecycleState, a.FirstConnected, a.LastConnected, a.CreatedAt, nilIfEmpty(a.ConfigCiphertext), nullString(a.ConfigKeyID))
}

func (s *Store) GetAgentByTokenHash(ctx context.Context, hash []byte) (_ store.WorkspaceAgent, err error) {
	defer wrap(&err, "get agent by token hash")
	return one(ctx, s.read(), scanAgent, `SELECT `+qualify("a", agentColumns)+`
		FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
		WHERE a.token_hash = ?
		ORDER BY a.created_at DESC, b.build_number DESC, a.id DESC LIMIT 1`, nonNilBytes(hash))
}

func (s *Store) ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) (_ []store.WorkspaceAgent, err error) {
	defer wrap(&err, "list agents by build")
	return all(ctx, s.read(), scanAgent, `SELECT `+agentColumns+` FROM workspace_agents WHERE build_id = ? ORDER BY name, id`, buildID)
}

func (s *Store) UpdateAgentLifecycle(ctx context.Context, id uuid.UUID, state string) (err error) {
	defer wrap(&err, "update agent lifecycle")
	return s.writeRow(ctx, `UPDATE workspace_agents SET lifecycle_state = ? WHERE id = ?`, cleanText(state), id)
}

func (s *Store) UpdateAgentConnection(ctx context.Context, id uuid.UUID, at time.Time) (err error) {
	defer wrap(&err, "update agent connection")
	at = storedTimeOrNow(at)
	return s.writeRow(ctx, `UPDATE workspace_agents
		SET first_connected = COALESCE(first_connected, ?), last_connected = ? WHERE id = ?`, at, at, id)
}

func (s *Store) InsertAgentLogs(ctx context.Context, logs []store.AgentLog) (err error) {
	defer wrap(&err, "insert agent logs")
	return s.insertRows(ctx, `INSERT INTO agent_logs (agent_id, created_at, level, source, output) VALUES `, 5, len(logs),
		func(i int) []any {
			l := logs[i]
			return []any{l.AgentID, storedTimeOrNow(l.CreatedAt), cleanText(l.Level), cleanText(l.Source), cleanText(l.Output)}
		})
}

func (s *Store) ListAgentLogs(ctx context.Context, agentID uuid.UUID, afterID int64) (_ []store.AgentLog, err error) {
	defer wrap(&err, "list agent logs")
	return all(ctx, s.read(), func(r Row) (store.AgentLog, error) {
		var l store.AgentLog
		return l, r.Scan(&l.ID, &l.AgentID, timeCol{&l.CreatedAt}, &l.Level, &l.Source, &l.Output)
	}, `SELECT id, agent_id, created_at, level, source, output FROM agent_logs
		WHERE agent_id = ? AND id > ? ORDER BY id`, agentID, afterID)
}

// scanAgent reads a row of agentColumns.
func scanAgent(r Row) (store.WorkspaceAgent, error) {
	var a store.WorkspaceAgent
	var configKeyID *string
	if err := r.Scan(&a.ID, &a.BuildID, &a.WorkspaceID, &a.Name, &a.TokenHash, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile,
		&a.Env, &a.Scripts, &a.LifecycleState, nullTimeCol{&a.FirstConnected}, nullTimeCol{&a.LastConnected},
		timeCol{&a.CreatedAt}, &a.ConfigCiphertext, &configKeyID); err != nil {
		return store.WorkspaceAgent{}, err
	}
	a.TokenHash, a.Env, a.Scripts = nilIfEmpty(a.TokenHash), nilIfEmpty(a.Env), nilIfEmpty(a.Scripts)
	a.ConfigCiphertext, a.ConfigKeyID = nilIfEmpty(a.ConfigCiphertext), str(configKeyID)
	return a, nil
}

func (s *Store) AgentConfigKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "agent config key ids")
	return s.keyIDCounts(ctx,
		`SELECT config_key_id, COUNT(*) FROM workspace_agents WHERE config_key_id IS NOT NULL GROUP BY config_key_id`)
}

func (s *Store) ListAgentsByConfigKeyID(ctx context.Context, keyID string, limit int) (_ []store.WorkspaceAgent, err error) {
	defer wrap(&err, "list agents by config key id")
	return all(ctx, s.read(), scanAgent, `SELECT `+agentColumns+` FROM workspace_agents
		WHERE COALESCE(config_key_id, '') = ? ORDER BY id LIMIT ?`, keyID, limitArg(limit))
}

func (s *Store) ReplaceAgentConfig(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace agent config")
	return s.replaceSealed(ctx, "workspace_agents",
		`config_ciphertext = ?, config_key_id = ?, directory = '', motd_file = '', env = ?, scripts = ?`,
		`COALESCE(config_key_id, '') = ?`, []any{nonNilBytes(ciphertext), newKeyID, []byte{}, []byte{}}, id, oldKeyID)
}

func (s *Store) SetAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string, at time.Time) (err error) {
	defer wrap(&err, "set agent relay")
	return s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO agent_relays (agent_id, relay_url, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (agent_id) DO UPDATE SET relay_url = excluded.relay_url, updated_at = excluded.updated_at`,
			agentID, relayURL, at.UTC())
		return err
	})
}

func (s *Store) ClearAgentRelay(ctx context.Context, agentID uuid.UUID, relayURL string) (err error) {
	defer wrap(&err, "clear agent relay")
	return s.writeOne(ctx, func(c conn) error {
		_, err := c.exec(ctx, `DELETE FROM agent_relays WHERE agent_id = ? AND relay_url = ?`, agentID, relayURL)
		return err
	})
}

func (s *Store) GetAgentRelay(ctx context.Context, agentID uuid.UUID) (relayURL string, err error) {
	defer wrap(&err, "get agent relay")
	err = s.read().row(ctx, []any{&relayURL}, `SELECT relay_url FROM agent_relays WHERE agent_id = ?`, agentID)
	return relayURL, err
}
