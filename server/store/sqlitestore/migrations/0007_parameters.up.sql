-- +goose Up
-- What a push's terraform plan learnt of a version (sdk.TemplateVersionInfo
-- as JSON: parameters, presets, variables), and its template variables'
-- values, sealed (secretcrypt.VariablesAAD), and the push's message. A
-- version pushed before this migration has no row.
CREATE TABLE template_version_plans (
    version_id           TEXT NOT NULL PRIMARY KEY REFERENCES template_versions (id) ON DELETE CASCADE,
    info                 BLOB NOT NULL,
    variables_ciphertext BLOB,
    variables_key_id     TEXT NOT NULL DEFAULT '',
    message              TEXT NOT NULL DEFAULT ''
) STRICT;

-- A build's parameter values, and those of the workspace's build before it
-- (what validation.monotonic compares with), []sdk.BuildParameter as JSON.
CREATE TABLE workspace_build_parameters (
    build_id   TEXT NOT NULL PRIMARY KEY REFERENCES workspace_builds (id) ON DELETE CASCADE,
    parameters BLOB NOT NULL,
    previous   BLOB NOT NULL
) STRICT;
