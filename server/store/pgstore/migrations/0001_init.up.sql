-- +goose Up
-- Initial schema (PostgreSQL 13+). Text that is sorted or compared byte
-- for byte uses the "C" collation.

CREATE TABLE users (
    id              uuid        NOT NULL PRIMARY KEY,
    username        text        NOT NULL,
    email           text        NOT NULL,
    name            text        NOT NULL DEFAULT '',
    hashed_password bytea       NOT NULL,
    role            text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- Usernames and emails are unique regardless of case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_keys (
    id            text        NOT NULL,
    hashed_secret bytea       NOT NULL,
    user_id       uuid        NOT NULL,
    kind          text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);

-- env_name and file_path are NULL when the secret has no such target, so
-- the unique constraints below never make two untargeted secrets clash.
CREATE TABLE secrets (
    id               uuid         NOT NULL,
    owner_id         uuid         NOT NULL,
    name             text COLLATE "C" NOT NULL,
    description      text         NOT NULL DEFAULT '',
    env_name         text COLLATE "C" CHECK (env_name <> ''),
    file_path        text COLLATE "C" CHECK (file_path <> ''),
    value_ciphertext bytea        NOT NULL,
    value_key_id     text         NOT NULL,
    value_size       integer      NOT NULL CHECK (value_size >= 0),
    created_at       timestamptz  NOT NULL,
    updated_at       timestamptz  NOT NULL,
    CONSTRAINT secrets_pkey PRIMARY KEY (id),
    CONSTRAINT secrets_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT secrets_owner_id_name_key UNIQUE (owner_id, name),
    CONSTRAINT secrets_owner_id_env_name_key UNIQUE (owner_id, env_name),
    CONSTRAINT secrets_owner_id_file_path_key UNIQUE (owner_id, file_path)
);

CREATE INDEX secrets_value_key_id_idx ON secrets (value_key_id);

-- The audit log outlives what it describes, so it has no foreign keys. It
-- never holds a value: fields lists the names of the fields that changed.
CREATE TABLE audit_log (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            uuid        NOT NULL,
    time          timestamptz NOT NULL,
    actor_id      uuid        NOT NULL,
    action        text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   uuid        NOT NULL,
    owner_id      uuid        NOT NULL,
    resource_name text        NOT NULL,
    fields        text[]      NOT NULL DEFAULT '{}',
    CONSTRAINT audit_log_id_key UNIQUE (id)
);

CREATE INDEX audit_log_time_idx ON audit_log (time DESC, seq DESC);
