-- +goose Up
-- A cancel asked for while a build runs: the worker running it sees the
-- time and interrupts Terraform.
ALTER TABLE workspace_builds ADD COLUMN cancel_requested_at INTEGER;
