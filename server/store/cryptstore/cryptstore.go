// Package cryptstore is encryption at rest as a decorator of store.Store,
// and the only holder of the server's keys. It seals secret values,
// workspace Terraform states and agent configs on their way into the store
// and opens them on their way out: the handlers and the provisioner never
// see a ciphertext or a key, the backends below never see a plaintext.
// Rotate checks at start that the keys open what the database holds and
// re-seals, with the primary key, what older keys sealed. Through a *Store:
//   - InsertSecret seals p.Secret.Value (ValueSize is its length),
//     UpdateSecret p.Value when set.
//   - ListSecretsWithValues returns each secret with its Value, or
//     ValueErr (that secret alone fails); never a Ciphertext.
//   - CompleteBuild takes the plaintext state in State (it sets
//     StateKeyID) and agents with their plaintext directory, motd file,
//     env and scripts; GetWorkspaceState returns the plaintext state.
//   - GetAgentByTokenHash and ListAgentsByBuild return agents with their
//     config opened, or ConfigErr set when it does not open.
//   - InsertBuild and InsertWorkspace seal each build secret's Value
//     (secretcrypt.BuildSecretAAD); ListBuildSecretsWithValues opens them,
//     or sets ValueErr (erased or altered).
//
// The other methods pass through: the key management ones
// (SecretKeyIDs, ListSecretsByKeyID, ReplaceSecretCiphertext and their
// state and agent config counterparts) are Rotate's, no one else's.
package cryptstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// Options configure a Store.
type Options struct {
	Keys   [][]byte     // AES-256 keys, primary first: it seals new values, all open
	Logger *slog.Logger // nil: discard; gets unopened rows and re-seal counts, never a value
}

// Store decorates a store.Store with encryption at rest. Its methods are
// safe for concurrent use.
type Store struct {
	backend
	keys   *secretcrypt.Keyring
	logger *slog.Logger
}

// backend is the decorated store, embedded unexported: its methods pass
// through unless Store overrides them, and no caller reaches it around the
// decorator.
type backend = store.Store

var _ store.Store = (*Store)(nil)

// Ping checks that the database answers (the server's readiness), when the
// backend can tell.
func (s *Store) Ping(ctx context.Context) error {
	if p, ok := s.backend.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return errors.New("the store cannot check its database")
}

// CountBuilds returns how many builds have the status (the server's
// metrics), when the backend can count them.
func (s *Store) CountBuilds(ctx context.Context, status string) (int, error) {
	if c, ok := s.backend.(interface {
		CountBuilds(context.Context, string) (int, error)
	}); ok {
		return c.CountBuilds(ctx, status)
	}
	return 0, errors.New("the store cannot count builds")
}

// DBStats returns the backend's connection pool statistics, if it has
// any (the server's metrics).
func (s *Store) DBStats() (sql.DBStats, bool) {
	if p, ok := s.backend.(interface{ DBStats() sql.DBStats }); ok {
		return p.DBStats(), true
	}
	return sql.DBStats{}, false
}

// JoinPeers passes store.PeerJoiner through: errors.ErrUnsupported if the
// backend cannot link processes.
func (s *Store) JoinPeers(ctx context.Context, h store.PeerHandlers) (store.Peers, error) {
	if j, ok := s.backend.(store.PeerJoiner); ok {
		return j.JoinPeers(ctx, h)
	}
	return nil, errors.ErrUnsupported
}

// New wraps inner. It does no I/O; call Rotate once at start.
func New(inner store.Store, o Options) (*Store, error) {
	kr, err := secretcrypt.NewKeyring(o.Keys...)
	if err != nil {
		return nil, err
	}
	return &Store{backend: inner, keys: kr, logger: cmp.Or(o.Logger, slog.New(slog.DiscardHandler))}, nil
}

// Open wraps inner (New) and runs Rotate: a database the keys do not
// match is an error that says why, and the server must not start.
func Open(ctx context.Context, inner store.Store, o Options) (*Store, error) {
	s, err := New(inner, o)
	if err != nil {
		return nil, err
	}
	if err := s.Rotate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// PrimaryKeyID is the id of the key that seals new values.
func (s *Store) PrimaryKeyID() string { return s.keys.PrimaryID() }

// MAC authenticates msg with a key derived from the primary key: server
// processes that share the keys use it to trust each other's requests.
func (s *Store) MAC(msg []byte) []byte { return s.keys.MAC(msg) }

// VerifyMAC reports whether mac authenticates msg under any configured
// key (processes in the middle of a rotation still agree).
func (s *Store) VerifyMAC(msg, mac []byte) bool { return s.keys.VerifyMAC(msg, mac) }

// UnreadableError is a sealed value that does not open with the configured
// keys: its row or the keys were altered. It says no more than that.
type UnreadableError struct{ Err error }

func (e *UnreadableError) Error() string { return e.Err.Error() }
func (e *UnreadableError) Unwrap() error { return e.Err }

// ValueProblem says, for a workspace owner, why a secret (one with
// ValueErr set) is left out.
func ValueProblem(sec store.Secret) string {
	return fmt.Sprintf("The stored value of secret %q cannot be opened (its row or the server's keys were altered), so it is left out; set it again with `coder secret update %s`.", sec.Name, sec.Name)
}

// InsertSecret binds the value to the owner and the secret's id, chosen
// here when zero.
func (s *Store) InsertSecret(ctx context.Context, p store.InsertSecretParams) (store.Secret, error) {
	if p.Secret.ID == uuid.Nil {
		p.Secret.ID = uuid.New()
	}
	pt := p.Secret.Value.Reveal()
	ct, keyID, err := s.keys.Seal([]byte(pt), secretcrypt.SecretAAD(p.Secret.OwnerID, p.Secret.ID))
	if err != nil {
		return store.Secret{}, fmt.Errorf("seal value: %w", err)
	}
	p.Secret.Ciphertext, p.Secret.KeyID, p.Secret.ValueSize = ct, keyID, len(pt)
	p.Secret.Value = ""
	return s.backend.InsertSecret(ctx, p)
}

func (s *Store) UpdateSecret(ctx context.Context, p store.UpdateSecretParams) (store.Secret, error) {
	if p.Value != nil {
		// The row id binds the ciphertext; names cannot change, so the
		// id read here is the id of the row the update will touch.
		cur, err := s.backend.GetSecret(ctx, p.OwnerID, p.Name)
		if err != nil {
			return store.Secret{}, err
		}
		pt := p.Value.Reveal()
		ct, keyID, err := s.keys.Seal([]byte(pt), secretcrypt.SecretAAD(p.OwnerID, cur.ID))
		if err != nil {
			return store.Secret{}, fmt.Errorf("seal value: %w", err)
		}
		p.Ciphertext, p.KeyID, p.ValueSize = ct, keyID, len(pt)
		p.Value = nil
	}
	return s.backend.UpdateSecret(ctx, p)
}

// ListSecretsWithValues sets ValueErr (naming the secret, never holding a
// value) on a secret whose value does not open.
func (s *Store) ListSecretsWithValues(ctx context.Context, ownerID uuid.UUID) ([]store.Secret, error) {
	rows, err := s.backend.ListSecretsWithValues(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		pt, err := s.keys.Open(r.Ciphertext, r.KeyID, secretcrypt.SecretAAD(r.OwnerID, r.ID))
		r.Ciphertext = nil
		if err != nil {
			s.logger.Warn("a secret's stored value does not open", "owner_id", r.OwnerID, "secret", r.Name, "secret_id", r.ID, "key_id", r.KeyID)
			r.ValueErr = fmt.Errorf("open secret %s: %w", r.ID, err)
			continue
		}
		r.Value = sdk.SecretValue(pt)
	}
	return rows, nil
}

// GetWorkspaceState returns an *UnreadableError when the state does not
// open.
func (s *Store) GetWorkspaceState(ctx context.Context, id uuid.UUID) ([]byte, string, error) {
	ct, keyID, err := s.backend.GetWorkspaceState(ctx, id)
	if err != nil || ct == nil {
		return ct, keyID, err
	}
	pt, err := s.keys.Open(ct, keyID, secretcrypt.StateAAD(id))
	if err != nil {
		return nil, keyID, &UnreadableError{Err: err}
	}
	return pt, keyID, nil
}

// CompleteBuild binds the state to the build's workspace.
func (s *Store) CompleteBuild(ctx context.Context, p store.CompleteBuildParams) error {
	if p.State != nil {
		b, err := s.backend.GetBuild(ctx, p.BuildID)
		if err != nil {
			return err
		}
		ct, keyID, err := s.keys.Seal(p.State, secretcrypt.StateAAD(b.WorkspaceID))
		if err != nil {
			return fmt.Errorf("seal the Terraform state: %w", err)
		}
		p.State, p.StateKeyID = ct, keyID
	}
	if p.Status == sdk.BuildSucceeded && len(p.Agents) > 0 {
		agents := make([]store.WorkspaceAgent, len(p.Agents))
		for i, a := range p.Agents {
			if a.ID == uuid.Nil {
				a.ID = uuid.New()
			}
			var err error
			if agents[i], err = s.sealAgentConfig(a); err != nil {
				return err
			}
		}
		p.Agents = agents
	}
	return s.backend.CompleteBuild(ctx, p)
}

func (s *Store) GetAgentByTokenHash(ctx context.Context, hash []byte) (store.WorkspaceAgent, error) {
	a, err := s.backend.GetAgentByTokenHash(ctx, hash)
	if err != nil {
		return a, err
	}
	s.openAgentConfig(&a)
	return a, nil
}

func (s *Store) ListAgentsByBuild(ctx context.Context, buildID uuid.UUID) ([]store.WorkspaceAgent, error) {
	agents, err := s.backend.ListAgentsByBuild(ctx, buildID)
	if err != nil {
		return nil, err
	}
	for i := range agents {
		s.openAgentConfig(&agents[i])
	}
	return agents, nil
}

// agentConfig is what a template sets for an agent, sealed as one value:
// any of it can hold a secret value (coder_env { value =
// data.coder_secret.x.value }, a script that embeds one).
type agentConfig struct {
	Directory string          `json:"directory,omitempty"`
	MOTDFile  string          `json:"motd_file,omitempty"`
	Env       json.RawMessage `json:"env,omitempty"`
	Scripts   json.RawMessage `json:"scripts,omitempty"`
	Apps      json.RawMessage `json:"apps,omitempty"`
}

// sealAgentConfig returns a with its config sealed by the primary key into
// ConfigCiphertext, and the config fields empty.
func (s *Store) sealAgentConfig(a store.WorkspaceAgent) (store.WorkspaceAgent, error) {
	pt, err := json.Marshal(agentConfig{Directory: a.Directory, MOTDFile: a.MOTDFile, Env: a.Env, Scripts: a.Scripts, Apps: a.Apps})
	if err != nil {
		return a, fmt.Errorf("encode the agent's config: %w", err)
	}
	ct, keyID, err := s.keys.Seal(pt, secretcrypt.AgentConfigAAD(a.ID))
	if err != nil {
		return a, fmt.Errorf("seal the agent's config: %w", err)
	}
	a.ConfigCiphertext, a.ConfigKeyID = ct, keyID
	a.Directory, a.MOTDFile, a.Env, a.Scripts, a.Apps = "", "", nil, nil, nil
	return a, nil
}

// openAgentConfig opens a's config from ConfigCiphertext in place, or
// leaves it empty with ConfigErr set. A row recorded before agents were
// sealed (no ConfigKeyID; Rotate seals those at start) is left as it is.
// It takes a pointer: the record is a few hundred bytes, and it runs on
// every agent request's stack.
func (s *Store) openAgentConfig(a *store.WorkspaceAgent) {
	if a.ConfigKeyID == "" {
		return
	}
	ct := a.ConfigCiphertext
	a.ConfigCiphertext = nil
	a.Directory, a.MOTDFile, a.Env, a.Scripts, a.Apps = "", "", nil, nil, nil
	pt, err := s.keys.Open(ct, a.ConfigKeyID, secretcrypt.AgentConfigAAD(a.ID))
	if err != nil {
		a.ConfigErr = fmt.Errorf("open the config of agent %s: %w", a.ID, err)
		return
	}
	var c agentConfig
	if err := json.Unmarshal(pt, &c); err != nil {
		a.ConfigErr = fmt.Errorf("decode the config of agent %s: %w", a.ID, errors.New("not valid JSON"))
		return
	}
	a.Directory, a.MOTDFile = c.Directory, c.MOTDFile
	a.Env, a.Scripts, a.Apps = nilIfNull(c.Env), nilIfNull(c.Scripts), nilIfNull(c.Apps)
}

func nilIfNull(m json.RawMessage) []byte {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}
