-- +goose Up
-- Issue 13: every secret is enabled or disabled. A disabled secret is
-- stored only: it reaches no workspace and owns no target, so the unique
-- env_name and file_path rules hold among enabled secrets only (partial
-- indexes). A secret with no target cannot be enabled: the existing ones
-- become disabled. SQLite cannot drop a table's UNIQUE constraint, so the
-- table is rebuilt (nothing refers to it).
CREATE TABLE secrets_0006 (
    id               TEXT    NOT NULL PRIMARY KEY,
    owner_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    env_name         TEXT    CHECK (env_name <> ''),
    file_path        TEXT    CHECK (file_path <> ''),
    value_ciphertext BLOB    NOT NULL,
    value_key_id     TEXT    NOT NULL,
    value_size       INTEGER NOT NULL CHECK (value_size >= 0),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    UNIQUE (owner_id, name),
    CHECK (enabled = 0 OR env_name IS NOT NULL OR file_path IS NOT NULL)
) STRICT;

INSERT INTO secrets_0006
    (id, owner_id, name, description, env_name, file_path, value_ciphertext,
     value_key_id, value_size, created_at, updated_at, enabled)
SELECT id, owner_id, name, description, env_name, file_path, value_ciphertext,
       value_key_id, value_size, created_at, updated_at,
       CASE WHEN env_name IS NULL AND file_path IS NULL THEN 0 ELSE 1 END
FROM secrets;

DROP TABLE secrets;
ALTER TABLE secrets_0006 RENAME TO secrets;

CREATE INDEX secrets_value_key_id_idx ON secrets (value_key_id);
CREATE UNIQUE INDEX secrets_owner_id_env_name_key ON secrets (owner_id, env_name) WHERE enabled = 1;
CREATE UNIQUE INDEX secrets_owner_id_file_path_key ON secrets (owner_id, file_path) WHERE enabled = 1;
