-- +goose Up
-- Issue 12: what an applied state says about a workspace beyond its agents.
-- An agent's coder_app blocks (JSON []sdk.WorkspaceApp) are part of the
-- agent's sealed config: apps is the plaintext column of rows not sealed
-- yet, like env and scripts.
ALTER TABLE workspace_agents ADD COLUMN apps BLOB NOT NULL DEFAULT x'';

-- The managed resources of a successful build with their coder_metadata
-- items (JSON []sdk.ResourceMetadata; sensitive items are kept without
-- their value).
CREATE TABLE workspace_resources (
    id         TEXT    NOT NULL PRIMARY KEY,
    build_id   TEXT    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    address    TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    hide       INTEGER NOT NULL DEFAULT 0,
    icon       TEXT    NOT NULL DEFAULT '',
    daily_cost INTEGER NOT NULL DEFAULT 0,
    metadata   BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX workspace_resources_build_id_idx ON workspace_resources (build_id, address);

-- The last health each agent reported for its apps' healthchecks.
CREATE TABLE workspace_app_health (
    agent_id   TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    slug       TEXT    NOT NULL,
    health     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, slug)
) STRICT;
