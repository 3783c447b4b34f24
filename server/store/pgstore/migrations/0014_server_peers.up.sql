-- +goose Up
-- Issue 17 (the verified-token cache, pgstore/peers.go).
--
-- Each server process that keeps a cache of what a change must empty at
-- once (the verified tokens) holds a row here while it hears the others'
-- changes: it renews expires_at every few hundred milliseconds, with a
-- notification to itself, and serves from its cache only while that
-- notification came back less than the lease ago. A process that changes
-- such data tells every row's process and waits, before it answers, until
-- each has said it emptied its cache or its row's lease has ended.
CREATE TABLE server_peers (
    id UUID PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
