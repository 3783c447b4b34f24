-- +goose Up
-- Issue 13: every secret is enabled or disabled. A disabled secret is
-- stored only: it reaches no workspace and owns no target, so the unique
-- env_name and file_path rules hold among enabled secrets only (partial
-- indexes, named as the constraints were). A secret with no target cannot
-- be enabled: the existing ones become disabled.
ALTER TABLE secrets ADD COLUMN enabled boolean NOT NULL DEFAULT true;
UPDATE secrets SET enabled = false WHERE env_name IS NULL AND file_path IS NULL;
ALTER TABLE secrets
    ADD CONSTRAINT secrets_enabled_target_check
        CHECK (NOT enabled OR env_name IS NOT NULL OR file_path IS NOT NULL),
    DROP CONSTRAINT secrets_owner_id_env_name_key,
    DROP CONSTRAINT secrets_owner_id_file_path_key;
CREATE UNIQUE INDEX secrets_owner_id_env_name_key ON secrets (owner_id, env_name) WHERE enabled;
CREATE UNIQUE INDEX secrets_owner_id_file_path_key ON secrets (owner_id, file_path) WHERE enabled;
