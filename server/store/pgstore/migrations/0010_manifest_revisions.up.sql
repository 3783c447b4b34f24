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
ALTER TABLE secrets ADD COLUMN value_rev text NOT NULL DEFAULT '';
ALTER TABLE secrets ADD COLUMN templates text NOT NULL DEFAULT '';
ALTER TABLE secrets ADD COLUMN refresh text NOT NULL DEFAULT '';

-- What the server delivered in each manifest it served an agent: names,
-- targets and value tokens (JSON), never a value. revision is the digest
-- the manifest carried and the agent reports back once it applied it.
CREATE TABLE agent_manifest_revisions (
    agent_id   uuid        NOT NULL,
    revision   text COLLATE "C" NOT NULL,
    delivered  text        NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT agent_manifest_revisions_pkey PRIMARY KEY (agent_id, revision),
    CONSTRAINT agent_manifest_revisions_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES workspace_agents (id) ON DELETE CASCADE
);

-- The revision each agent last reported as applied (with what it held),
-- the secret file paths it reported as stale (JSON, paths only) and its
-- home folder (what "~/" means there, for the preview).
CREATE TABLE agent_applied (
    agent_id    uuid        NOT NULL,
    revision    text        NOT NULL,
    delivered   text        NOT NULL,
    stale_files text        NOT NULL DEFAULT '',
    home        text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL,
    CONSTRAINT agent_applied_pkey PRIMARY KEY (agent_id),
    CONSTRAINT agent_applied_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES workspace_agents (id) ON DELETE CASCADE
);
