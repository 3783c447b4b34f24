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
    build_id         uuid        NOT NULL,
    workspace_id     uuid        NOT NULL,
    name             text        NOT NULL,
    env_name         text        NOT NULL DEFAULT '',
    file_path        text        NOT NULL DEFAULT '',
    ephemeral        boolean     NOT NULL DEFAULT false,
    set_build_number integer     NOT NULL,
    value_size       integer     NOT NULL CHECK (value_size >= 0),
    value_ciphertext bytea       NOT NULL,
    value_key_id     text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    CONSTRAINT workspace_build_secrets_pkey PRIMARY KEY (build_id, name),
    CONSTRAINT workspace_build_secrets_build_id_fkey FOREIGN KEY (build_id) REFERENCES workspace_builds (id) ON DELETE CASCADE,
    CONSTRAINT workspace_build_secrets_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);

CREATE INDEX workspace_build_secrets_workspace_id ON workspace_build_secrets (workspace_id);
CREATE INDEX workspace_build_secrets_value_key_id ON workspace_build_secrets (value_key_id);
