-- +goose Up
-- Issue 13: secrets given with a workspace build (create or build
-- request). Each build records its whole set: the secrets its request gave
-- and those carried from the workspace's build before it (not ephemeral,
-- not replaced or removed). The value is sealed (secretcrypt.BuildSecretAAD:
-- the build and the name); once a newer build of the workspace is queued,
-- the older builds' values are erased (value_ciphertext empty, value_key_id
-- '') and their metadata stays. set_build_number is the build whose request
-- gave the value.
CREATE TABLE workspace_build_secrets (
    build_id         TEXT    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    workspace_id     TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    env_name         TEXT    NOT NULL DEFAULT '',
    file_path        TEXT    NOT NULL DEFAULT '',
    ephemeral        INTEGER NOT NULL DEFAULT 0 CHECK (ephemeral IN (0, 1)),
    set_build_number INTEGER NOT NULL,
    value_size       INTEGER NOT NULL CHECK (value_size >= 0),
    value_ciphertext BLOB    NOT NULL,
    value_key_id     TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (build_id, name)
) STRICT;

CREATE INDEX workspace_build_secrets_workspace_id ON workspace_build_secrets (workspace_id);
CREATE INDEX workspace_build_secrets_value_key_id ON workspace_build_secrets (value_key_id);
