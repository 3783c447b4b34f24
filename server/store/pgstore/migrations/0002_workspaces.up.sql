-- +goose Up
-- Templates, workspaces, builds, agents and their logs. Names that are
-- sorted or compared byte for byte use the "C" collation; NULL times are
-- unset.
--
-- created_by and initiator_id name users but have no foreign key: a
-- template or a build outlives the user who pushed or started it. A user's
-- workspaces, and with them their builds, agents and logs, go with the user.

CREATE TABLE templates (
    id                uuid        NOT NULL,
    name              text COLLATE "C" NOT NULL,
    active_version_id uuid        NOT NULL,
    created_by        uuid        NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT templates_pkey PRIMARY KEY (id),
    CONSTRAINT templates_name_key UNIQUE (name)
);

CREATE TABLE template_versions (
    id           uuid        NOT NULL,
    template_id  uuid        NOT NULL,
    number       integer     NOT NULL CHECK (number > 0),
    archive      bytea       NOT NULL,
    requirements bytea       NOT NULL,
    created_by   uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT template_versions_pkey PRIMARY KEY (id),
    CONSTRAINT template_versions_template_id_fkey FOREIGN KEY (template_id) REFERENCES templates (id),
    CONSTRAINT template_versions_template_id_number_key UNIQUE (template_id, number)
);

-- active_version_id refers to a version that refers back to the template:
-- the foreign key is checked at commit, so both rows go in one transaction.
ALTER TABLE templates ADD CONSTRAINT templates_active_version_id_fkey
    FOREIGN KEY (active_version_id) REFERENCES template_versions (id) DEFERRABLE INITIALLY DEFERRED;

-- A deleted workspace keeps its row (its builds and logs stay readable) and
-- frees its name: only live workspaces must have unique names per owner.
-- state_ciphertext and state_key_id are both NULL until a build records a
-- state.
CREATE TABLE workspaces (
    id               uuid        NOT NULL,
    name             text COLLATE "C" NOT NULL,
    owner_id         uuid        NOT NULL,
    template_id      uuid        NOT NULL,
    deleted          boolean     NOT NULL DEFAULT false,
    state_ciphertext bytea,
    state_key_id     text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT workspaces_pkey PRIMARY KEY (id),
    CONSTRAINT workspaces_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT workspaces_template_id_fkey FOREIGN KEY (template_id) REFERENCES templates (id)
);

CREATE UNIQUE INDEX workspaces_owner_id_name_key ON workspaces (owner_id, name) WHERE deleted = false;
CREATE INDEX workspaces_owner_id_idx ON workspaces (owner_id);
CREATE INDEX workspaces_template_id_idx ON workspaces (template_id);
CREATE INDEX workspaces_state_key_id_idx ON workspaces (state_key_id) WHERE state_key_id IS NOT NULL;

-- A build is also the provisioner's job. worker_id is '' until a worker
-- claims it.
CREATE TABLE workspace_builds (
    id                  uuid        NOT NULL,
    workspace_id        uuid        NOT NULL,
    build_number        integer     NOT NULL CHECK (build_number > 0),
    transition          text        NOT NULL,
    status              text        NOT NULL,
    template_version_id uuid        NOT NULL,
    initiator_id        uuid        NOT NULL,
    error               text        NOT NULL DEFAULT '',
    worker_id           text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    started_at          timestamptz,
    completed_at        timestamptz,
    heartbeat_at        timestamptz,
    CONSTRAINT workspace_builds_pkey PRIMARY KEY (id),
    CONSTRAINT workspace_builds_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    CONSTRAINT workspace_builds_template_version_id_fkey FOREIGN KEY (template_version_id) REFERENCES template_versions (id),
    CONSTRAINT workspace_builds_workspace_id_build_number_key UNIQUE (workspace_id, build_number)
);

-- At most one build per workspace is queued or running.
CREATE UNIQUE INDEX workspace_builds_active_key ON workspace_builds (workspace_id)
    WHERE status IN ('pending', 'running');
-- ClaimBuild takes the oldest pending build; FailStaleBuilds scans the
-- running ones.
CREATE INDEX workspace_builds_pending_idx ON workspace_builds (created_at, id) WHERE status = 'pending';
CREATE INDEX workspace_builds_running_idx ON workspace_builds (heartbeat_at) WHERE status = 'running';
CREATE INDEX workspace_builds_template_version_id_idx ON workspace_builds (template_version_id);

-- token_hash is not unique: a coder_agent keeps its token across builds, so
-- each build records a row with the same hash.
CREATE TABLE workspace_agents (
    id              uuid        NOT NULL,
    build_id        uuid        NOT NULL,
    workspace_id    uuid        NOT NULL,
    name            text COLLATE "C" NOT NULL,
    token_hash      bytea       NOT NULL,
    os              text        NOT NULL DEFAULT '',
    arch            text        NOT NULL DEFAULT '',
    directory       text        NOT NULL DEFAULT '',
    motd_file       text        NOT NULL DEFAULT '',
    env             bytea       NOT NULL,
    scripts         bytea       NOT NULL,
    lifecycle_state text        NOT NULL DEFAULT '',
    first_connected timestamptz,
    last_connected  timestamptz,
    created_at      timestamptz NOT NULL,
    CONSTRAINT workspace_agents_pkey PRIMARY KEY (id),
    CONSTRAINT workspace_agents_build_id_fkey FOREIGN KEY (build_id) REFERENCES workspace_builds (id) ON DELETE CASCADE,
    CONSTRAINT workspace_agents_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);

CREATE INDEX workspace_agents_token_hash_idx ON workspace_agents (token_hash, created_at DESC);
CREATE INDEX workspace_agents_build_id_idx ON workspace_agents (build_id, name);
CREATE INDEX workspace_agents_workspace_id_idx ON workspace_agents (workspace_id);

-- Log ids come from one sequence for all builds (or agents): they increase
-- in insertion order, which is what ListBuildLogs' afterID relies on.
CREATE TABLE build_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    build_id   uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    stage      text        NOT NULL DEFAULT '',
    level      text        NOT NULL DEFAULT '',
    output     text        NOT NULL,
    CONSTRAINT build_logs_build_id_fkey FOREIGN KEY (build_id) REFERENCES workspace_builds (id) ON DELETE CASCADE
);

CREATE INDEX build_logs_build_id_idx ON build_logs (build_id, id);

CREATE TABLE agent_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id   uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    level      text        NOT NULL DEFAULT '',
    source     text        NOT NULL DEFAULT '',
    output     text        NOT NULL,
    CONSTRAINT agent_logs_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES workspace_agents (id) ON DELETE CASCADE
);

CREATE INDEX agent_logs_agent_id_idx ON agent_logs (agent_id, id);
