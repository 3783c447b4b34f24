package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/dbtext"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const agentColumns = `id, build_id, workspace_id, name, token_hash, os, arch, directory, motd_file, env, scripts,
	lifecycle_state, first_connected, last_connected, created_at, config_ciphertext, config_key_id`

// newAgent returns a as the store keeps it: an id, times in UTC to the
// microsecond (a zero CreatedAt is now), clean text.
func newAgent(a store.WorkspaceAgent, now time.Time) store.WorkspaceAgent {
	if a.ID == uuid.Nil {
		a.ID = uuid.New()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	a.CreatedAt = secretwrite.Time(a.CreatedAt)
	a.FirstConnected, a.LastConnected = timePtr(a.FirstConnected), timePtr(a.LastConnected)
	for _, f := range []*string{&a.Name, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile, &a.LifecycleState} {
		*f = dbtext.Clean(*f)
	}
	return a
}

// insertAgents records agents in one round trip.
func insertAgents(ctx context.Context, tx pgx.Tx, agents []store.WorkspaceAgent, now time.Time) error {
	var b pgx.Batch
	for _, a := range agents {
		a = newAgent(a, now)
		b.Queue(`INSERT INTO workspace_agents (`+agentColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			a.ID, a.BuildID, a.WorkspaceID, a.Name, nonNilBytes(a.TokenHash), a.OS, a.Arch, a.Directory, a.MOTDFile,
			nonNilBytes(a.Env), nonNilBytes(a.Scripts), a.LifecycleState, a.FirstConnected, a.LastConnected, a.CreatedAt,
			nilIfEmpty(a.ConfigCiphertext), nullString(a.ConfigKeyID))
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("insert agents: %w", mapErr(err))
	}
	return nil
}

// GetAgentByTokenHash returns the most recently recorded agent whose token
// hashes to hash (newest created_at, then highest build number): an agent
// keeps its token across builds, so older builds hold rows with the same
// hash. store.ErrNotFound if there is none.
func (s *Store) GetAgentByTokenHash(ctx context.Context, hash []byte) (store.WorkspaceAgent, error) {
	a, err := scanAgent(s.pool.QueryRow(ctx, `SELECT `+qualify("a", agentColumns)+`
		FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
		WHERE a.token_hash = $1
		ORDER BY a.created_at DESC, b.build_number DESC, a.id DESC LIMIT 1`, nonNilBytes(hash)))
	if err != nil {
		return store.WorkspaceAgent{}, fmt.Errorf("get agent by token hash: %w", err)
	}
	return a, nil
}

// GetAgentByID returns the agent with id, or store.ErrNotFound.
func (s *Store) GetAgentByID(ctx context.Context, id uuid.UUID) (store.WorkspaceAgent, error) {
	a, err := scanAgent(s.pool.QueryRow(ctx, `SELECT `+agentColumns+` FROM workspace_agents WHERE id = $1`, id))
	if err != nil {
		return store.WorkspaceAgent{}, fmt.Errorf("get agent by id: %w", err)
	}
	return a, nil
}

// ListAgentsByBuild returns the agents a build recorded, sorted by name
// (then id); none for an unknown build.
func (s *Store) ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) ([]store.WorkspaceAgent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+agentColumns+` FROM workspace_agents WHERE build_id = $1 ORDER BY name, id`, buildID)
	if err != nil {
		return nil, fmt.Errorf("list agents by build: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.WorkspaceAgent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("list agents by build: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents by build: %w", mapErr(err))
	}
	return out, nil
}

// UpdateAgentLifecycle sets the agent's lifecycle state; store.ErrNotFound
// if there is no such agent.
func (s *Store) UpdateAgentLifecycle(ctx context.Context, id uuid.UUID, state string) error {
	if err := s.updateAgent(ctx, `UPDATE workspace_agents SET lifecycle_state = $1 WHERE id = $2`, dbtext.Clean(state), id); err != nil {
		return fmt.Errorf("update agent lifecycle: %w", err)
	}
	return nil
}

// UpdateAgentConnection records a connection at at: it sets last_connected,
// and first_connected if unset. store.ErrNotFound if there is no such agent.
func (s *Store) UpdateAgentConnection(ctx context.Context, id uuid.UUID, at time.Time) error {
	err := s.updateAgent(ctx, `UPDATE workspace_agents
		SET first_connected = COALESCE(first_connected, $1), last_connected = $1 WHERE id = $2`, secretwrite.TimeOrNow(at), id)
	if err != nil {
		return fmt.Errorf("update agent connection: %w", err)
	}
	return nil
}

// updateAgent runs an UPDATE of one agent; store.ErrNotFound if it changed
// no row.
func (s *Store) updateAgent(ctx context.Context, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// InsertAgentLogs appends logs (of any agents) in one transaction; each
// gets the next id of one sequence shared by all agents, in order. A zero
// CreatedAt is now; text is cleaned (see dbtext.Clean). An unknown agent is
// store.ErrNotFound and nothing is stored.
func (s *Store) InsertAgentLogs(ctx context.Context, logs []store.AgentLog) error {
	if len(logs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, l := range logs {
			b.Queue(`INSERT INTO agent_logs (agent_id, created_at, level, source, output) VALUES ($1, $2, $3, $4, $5)`,
				l.AgentID, secretwrite.TimeOrNow(l.CreatedAt), dbtext.Clean(l.Level), dbtext.Clean(l.Source), dbtext.Clean(l.Output))
		}
		return mapErr(tx.SendBatch(ctx, &b).Close())
	})
	if err != nil {
		return fmt.Errorf("insert agent logs: %w", err)
	}
	return nil
}

// ListAgentLogs returns the agent's lines with ID > afterID in ID order
// (none for an unknown agent).
func (s *Store) ListAgentLogs(ctx context.Context, agentID uuid.UUID, afterID int64) ([]store.AgentLog, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, agent_id, created_at, level, source, output FROM agent_logs
		WHERE agent_id = $1 AND id > $2 ORDER BY id`, agentID, afterID)
	if err != nil {
		return nil, fmt.Errorf("list agent logs: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.AgentLog{}
	for rows.Next() {
		var l store.AgentLog
		if err := rows.Scan(&l.ID, &l.AgentID, &l.CreatedAt, &l.Level, &l.Source, &l.Output); err != nil {
			return nil, fmt.Errorf("list agent logs: %w", mapErr(err))
		}
		l.CreatedAt = l.CreatedAt.UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agent logs: %w", mapErr(err))
	}
	return out, nil
}

func scanAgent(row pgx.Row) (store.WorkspaceAgent, error) {
	var (
		a           store.WorkspaceAgent
		configKeyID *string
	)
	err := row.Scan(&a.ID, &a.BuildID, &a.WorkspaceID, &a.Name, &a.TokenHash, &a.OS, &a.Arch, &a.Directory, &a.MOTDFile,
		&a.Env, &a.Scripts, &a.LifecycleState, &a.FirstConnected, &a.LastConnected, &a.CreatedAt, &a.ConfigCiphertext, &configKeyID)
	if err != nil {
		return store.WorkspaceAgent{}, mapErr(err)
	}
	a.TokenHash, a.Env, a.Scripts = nilIfEmpty(a.TokenHash), nilIfEmpty(a.Env), nilIfEmpty(a.Scripts)
	a.ConfigCiphertext = nilIfEmpty(a.ConfigCiphertext)
	if configKeyID != nil {
		a.ConfigKeyID = *configKeyID
	}
	a.FirstConnected, a.LastConnected = utcPtr(a.FirstConnected), utcPtr(a.LastConnected)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// qualify prefixes each column of the comma-separated list cols with
// table, for queries that join.
func qualify(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// AgentConfigKeyIDs returns each key id sealing an agent's config with its
// row count.
func (s *Store) AgentConfigKeyIDs(ctx context.Context) (map[string]int, error) {
	out, err := s.keyIDCounts(ctx,
		`SELECT config_key_id, COUNT(*) FROM workspace_agents WHERE config_key_id IS NOT NULL GROUP BY config_key_id`)
	if err != nil {
		return nil, fmt.Errorf("agent config key ids: %w", err)
	}
	return out, nil
}

// ListAgentsByConfigKeyID returns up to limit agents whose config is sealed
// by keyID ("": not sealed yet), ordered by id.
func (s *Store) ListAgentsByConfigKeyID(ctx context.Context, keyID string, limit int) ([]store.WorkspaceAgent, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+agentColumns+` FROM workspace_agents
		WHERE COALESCE(config_key_id, '') = $1 ORDER BY id LIMIT $2`, keyID, lim)
	if err != nil {
		return nil, fmt.Errorf("list agents by config key id: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.WorkspaceAgent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("list agents by config key id: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents by config key id: %w", mapErr(err))
	}
	return out, nil
}

// ReplaceAgentConfig seals agent id's config anew (see store.WorkspaceStore).
func (s *Store) ReplaceAgentConfig(ctx context.Context, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE workspace_agents
			SET config_ciphertext = $1, config_key_id = $2, directory = '', motd_file = '', env = '', scripts = ''
			WHERE id = $3 AND COALESCE(config_key_id, '') = $4`,
			nonNilBytes(ciphertext), newKeyID, id, oldKeyID)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var one int32
		if err := tx.QueryRow(ctx, `SELECT 1 FROM workspace_agents WHERE id = $1`, id).Scan(&one); err != nil {
			return mapErr(err)
		}
		return &store.ConflictError{Field: "key_id"}
	})
	if err != nil {
		return fmt.Errorf("replace agent config: %w", err)
	}
	return nil
}
