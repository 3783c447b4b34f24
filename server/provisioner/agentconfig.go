package provisioner

import (
	"encoding/json"
	"fmt"

	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// agentConfig is what a template sets for an agent, sealed as one value
// (store.WorkspaceAgent.ConfigCiphertext): any of it can hold a secret
// value (coder_env { value = data.coder_secret.x.value }, a script that
// embeds one), so none of it rests in plaintext.
type agentConfig struct {
	Directory string          `json:"directory,omitempty"`
	MOTDFile  string          `json:"motd_file,omitempty"`
	Env       json.RawMessage `json:"env,omitempty"`
	Scripts   json.RawMessage `json:"scripts,omitempty"`
}

// SealAgentConfig returns a with its directory, motd file, env and scripts
// sealed by the primary key into ConfigCiphertext, and those fields empty.
func SealAgentConfig(kr *secretcrypt.Keyring, a store.WorkspaceAgent) (store.WorkspaceAgent, error) {
	pt, err := json.Marshal(agentConfig{Directory: a.Directory, MOTDFile: a.MOTDFile, Env: a.Env, Scripts: a.Scripts})
	if err != nil {
		return a, fmt.Errorf("encode the agent's config: %w", err)
	}
	ct, keyID, err := kr.Seal(pt, secretcrypt.AgentConfigAAD(a.ID))
	if err != nil {
		return a, fmt.Errorf("seal the agent's config: %w", err)
	}
	a.ConfigCiphertext, a.ConfigKeyID = ct, keyID
	a.Directory, a.MOTDFile, a.Env, a.Scripts = "", "", nil, nil
	return a, nil
}

// OpenAgentConfig returns a with its directory, motd file, env and scripts
// opened from ConfigCiphertext. A row recorded before agents were sealed
// (no ConfigKeyID) is returned as it is.
func OpenAgentConfig(kr *secretcrypt.Keyring, a store.WorkspaceAgent) (store.WorkspaceAgent, error) {
	if a.ConfigKeyID == "" {
		return a, nil
	}
	pt, err := kr.Open(a.ConfigCiphertext, a.ConfigKeyID, secretcrypt.AgentConfigAAD(a.ID))
	if err != nil {
		return a, fmt.Errorf("open the config of agent %s: %w", a.ID, err)
	}
	var c agentConfig
	if err := json.Unmarshal(pt, &c); err != nil {
		return a, fmt.Errorf("decode the config of agent %s: %w", a.ID, err)
	}
	a.Directory, a.MOTDFile = c.Directory, c.MOTDFile
	a.Env, a.Scripts = nilIfNull(c.Env), nilIfNull(c.Scripts)
	return a, nil
}

func nilIfNull(m json.RawMessage) []byte {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}
