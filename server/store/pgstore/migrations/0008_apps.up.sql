-- +goose Up
-- Issue 12: what an applied state says about a workspace beyond its agents.
-- An agent's coder_app blocks (JSON []sdk.WorkspaceApp) are part of the
-- agent's sealed config: apps is the plaintext column of rows not sealed
-- yet, like env and scripts.
ALTER TABLE workspace_agents ADD COLUMN apps bytea NOT NULL DEFAULT ''::bytea;

-- The managed resources of a successful build with their coder_metadata
-- items (JSON []sdk.ResourceMetadata; sensitive items are kept without
-- their value).
CREATE TABLE workspace_resources (
    id         uuid        NOT NULL,
    build_id   uuid        NOT NULL,
    address    text COLLATE "C" NOT NULL,
    type       text        NOT NULL,
    name       text        NOT NULL,
    hide       boolean     NOT NULL DEFAULT false,
    icon       text        NOT NULL DEFAULT '',
    daily_cost bigint      NOT NULL DEFAULT 0,
    metadata   bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT workspace_resources_pkey PRIMARY KEY (id),
    CONSTRAINT workspace_resources_build_id_fkey FOREIGN KEY (build_id) REFERENCES workspace_builds (id) ON DELETE CASCADE
);

CREATE INDEX workspace_resources_build_id_idx ON workspace_resources (build_id, address);

-- The last health each agent reported for its apps' healthchecks.
CREATE TABLE workspace_app_health (
    agent_id   uuid        NOT NULL,
    slug       text COLLATE "C" NOT NULL,
    health     text        NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT workspace_app_health_pkey PRIMARY KEY (agent_id, slug),
    CONSTRAINT workspace_app_health_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES workspace_agents (id) ON DELETE CASCADE
);
