-- +goose Up
-- Templates, workspaces, builds, agents and their logs. Ids are UUIDs in
-- their canonical text form; times are INTEGER microseconds since the Unix
-- epoch, UTC; NULL times are unset.
--
-- created_by and initiator_id name users but have no foreign key: a
-- template or a build outlives the user who pushed or started it. A user's
-- workspaces, and with them their builds, agents and logs, go with the user.

-- active_version_id refers to a version that refers back to the template:
-- the foreign key is checked at commit, so both rows go in one transaction.
CREATE TABLE templates (
    id                TEXT    NOT NULL PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    active_version_id TEXT    NOT NULL REFERENCES template_versions (id) DEFERRABLE INITIALLY DEFERRED,
    created_by        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE template_versions (
    id           TEXT    NOT NULL PRIMARY KEY,
    template_id  TEXT    NOT NULL REFERENCES templates (id),
    number       INTEGER NOT NULL CHECK (number > 0),
    archive      BLOB    NOT NULL,
    requirements BLOB    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (template_id, number)
) STRICT;

-- A deleted workspace keeps its row (its builds and logs stay readable) and
-- frees its name: only live workspaces must have unique names per owner.
-- state_ciphertext and state_key_id are both NULL until a build records a
-- state.
CREATE TABLE workspaces (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    owner_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id      TEXT    NOT NULL REFERENCES templates (id),
    deleted          INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    state_ciphertext BLOB,
    state_key_id     TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX workspaces_owner_id_name_key ON workspaces (owner_id, name) WHERE deleted = 0;
CREATE INDEX workspaces_owner_id_idx ON workspaces (owner_id);
CREATE INDEX workspaces_state_key_id_idx ON workspaces (state_key_id) WHERE state_key_id IS NOT NULL;

-- A build is also the provisioner's job. worker_id is '' until a worker
-- claims it.
CREATE TABLE workspace_builds (
    id                  TEXT    NOT NULL PRIMARY KEY,
    workspace_id        TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    build_number        INTEGER NOT NULL CHECK (build_number > 0),
    transition          TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    template_version_id TEXT    NOT NULL REFERENCES template_versions (id),
    initiator_id        TEXT    NOT NULL,
    error               TEXT    NOT NULL DEFAULT '',
    worker_id           TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    completed_at        INTEGER,
    heartbeat_at        INTEGER,
    UNIQUE (workspace_id, build_number)
) STRICT;

-- At most one build per workspace is queued or running.
CREATE UNIQUE INDEX workspace_builds_active_key ON workspace_builds (workspace_id)
    WHERE status IN ('pending', 'running');
-- ClaimBuild takes the oldest pending build; FailStaleBuilds scans the
-- running ones.
CREATE INDEX workspace_builds_pending_idx ON workspace_builds (created_at, id) WHERE status = 'pending';
CREATE INDEX workspace_builds_running_idx ON workspace_builds (heartbeat_at) WHERE status = 'running';

-- token_hash is not unique: a coder_agent keeps its token across builds, so
-- each build records a row with the same hash.
CREATE TABLE workspace_agents (
    id              TEXT    NOT NULL PRIMARY KEY,
    build_id        TEXT    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    workspace_id    TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    token_hash      BLOB    NOT NULL,
    os              TEXT    NOT NULL DEFAULT '',
    arch            TEXT    NOT NULL DEFAULT '',
    directory       TEXT    NOT NULL DEFAULT '',
    motd_file       TEXT    NOT NULL DEFAULT '',
    env             BLOB    NOT NULL,
    scripts         BLOB    NOT NULL,
    lifecycle_state TEXT    NOT NULL DEFAULT '',
    first_connected INTEGER,
    last_connected  INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX workspace_agents_token_hash_idx ON workspace_agents (token_hash, created_at DESC);
CREATE INDEX workspace_agents_build_id_idx ON workspace_agents (build_id, name);
CREATE INDEX workspace_agents_workspace_id_idx ON workspace_agents (workspace_id);

-- Log ids come from one sequence for all builds (or agents): they increase
-- in insertion order, which is what ListBuildLogs' afterID relies on.
CREATE TABLE build_logs (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    build_id   TEXT    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    stage      TEXT    NOT NULL DEFAULT '',
    level      TEXT    NOT NULL DEFAULT '',
    output     TEXT    NOT NULL
) STRICT;

CREATE INDEX build_logs_build_id_idx ON build_logs (build_id, id);

CREATE TABLE agent_logs (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    agent_id   TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    level      TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL DEFAULT '',
    output     TEXT    NOT NULL
) STRICT;

CREATE INDEX agent_logs_agent_id_idx ON agent_logs (agent_id, id);
