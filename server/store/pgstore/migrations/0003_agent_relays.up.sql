-- +goose Up
-- Which server process an agent is connected to, so that a session opened
-- on another process can be relayed to it.
CREATE TABLE agent_relays (
    agent_id   uuid        NOT NULL PRIMARY KEY REFERENCES workspace_agents (id) ON DELETE CASCADE,
    relay_url  text        NOT NULL,
    updated_at timestamptz NOT NULL
);
