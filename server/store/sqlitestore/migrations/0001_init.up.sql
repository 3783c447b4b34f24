-- +goose Up
-- Initial schema. Ids are UUIDs in their canonical text form; times are
-- INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE users (
    id              TEXT    NOT NULL PRIMARY KEY,
    username        TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    name            TEXT    NOT NULL DEFAULT '',
    hashed_password BLOB    NOT NULL,
    role            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- Usernames and emails are unique regardless of case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_keys (
    id            TEXT    NOT NULL PRIMARY KEY,
    hashed_secret BLOB    NOT NULL,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);

-- env_name and file_path are NULL when the secret has no such target, so
-- the unique constraints below never make two untargeted secrets clash.
CREATE TABLE secrets (
    id               TEXT    NOT NULL PRIMARY KEY,
    owner_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    env_name         TEXT    CHECK (env_name <> ''),
    file_path        TEXT    CHECK (file_path <> ''),
    value_ciphertext BLOB    NOT NULL,
    value_key_id     TEXT    NOT NULL,
    value_size       INTEGER NOT NULL CHECK (value_size >= 0),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (owner_id, name),
    UNIQUE (owner_id, env_name),
    UNIQUE (owner_id, file_path)
) STRICT;

CREATE INDEX secrets_value_key_id_idx ON secrets (value_key_id);

-- The audit log outlives what it describes, so it has no foreign keys. It
-- never holds a value: fields is a JSON array of the names of the fields
-- that changed.
CREATE TABLE audit_log (
    seq           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    time          INTEGER NOT NULL,
    actor_id      TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    owner_id      TEXT    NOT NULL,
    resource_name TEXT    NOT NULL,
    fields        TEXT    NOT NULL DEFAULT '[]'
) STRICT;

CREATE INDEX audit_log_time_idx ON audit_log (time DESC, seq DESC);
