-- +goose Up
-- What a template sets for an agent (its directory, motd file, env and
-- scripts) can hold a secret value: it is sealed like secret values, in one
-- ciphertext per agent. Rows recorded before have no key id; the server
-- seals them at its next start and clears their plaintext columns.
ALTER TABLE workspace_agents ADD COLUMN config_ciphertext bytea, ADD COLUMN config_key_id text;
CREATE INDEX workspace_agents_config_key_id_idx ON workspace_agents (config_key_id);
