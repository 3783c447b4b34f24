-- +goose Up
-- Issue 16 point 4: live file refresh opted in per workspace. 'live' for a
-- workspace whose agent rewrites, in place, the file of every secret it
-- receives as a file only (no env target) as soon as the secret changes;
-- '' for the guide's behaviour (changes at the next start). A secret's
-- own refresh mode (secrets.refresh) still applies in every workspace.
ALTER TABLE workspaces ADD COLUMN secret_refresh text NOT NULL DEFAULT '';
