-- +goose Up
-- Issue 17 (the agent manifest served from memory).
--
-- secrets_generation counts the writes to a user's secrets: every write
-- transaction that changes one of them (create, update of any field,
-- rename, delete, import) bumps it while it holds the user's row, so a
-- process that cached a manifest built at generation N knows, from the
-- one query that admits the agent token, whether it is still current.
ALTER TABLE users ADD COLUMN secrets_generation INTEGER NOT NULL DEFAULT 0;
