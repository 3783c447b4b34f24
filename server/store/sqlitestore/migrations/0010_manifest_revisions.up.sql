-- +goose Up
-- Issue 16 (restart needed, template scoping, stale files).
--
-- value_rev is a random token the store draws anew at every write of a
-- secret's value: it tells that a value changed without anything derived
-- from the value leaving the sealed column. templates is the secret's
-- allow-list of template names (JSON array of strings; '' or '[]': every
-- template). refresh is 'live' for a secret whose files running workspaces
-- rewrite in place when it changes, '' for the guide's behaviour (at the
-- next start).
ALTER TABLE secrets ADD COLUMN value_rev TEXT NOT NULL DEFAULT '';
ALTER TABLE secrets ADD COLUMN templates TEXT NOT NULL DEFAULT '';
ALTER TABLE secrets ADD COLUMN refresh TEXT NOT NULL DEFAULT '';

-- What the server delivered in each manifest it served an agent: names,
-- targets and value tokens (JSON), never a value. revision is the digest
-- the manifest carried and the agent reports back once it applied it.
CREATE TABLE agent_manifest_revisions (
    agent_id   TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    revision   TEXT    NOT NULL,
    delivered  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, revision)
) STRICT;

-- The revision each agent last reported as applied (with what it held),
-- the secret file paths it reported as stale (JSON, paths only) and its
-- home folder (what "~/" means there, for the preview).
CREATE TABLE agent_applied (
    agent_id    TEXT    NOT NULL PRIMARY KEY REFERENCES workspace_agents (id) ON DELETE CASCADE,
    revision    TEXT    NOT NULL,
    delivered   TEXT    NOT NULL,
    stale_files TEXT    NOT NULL DEFAULT '',
    home        TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;
