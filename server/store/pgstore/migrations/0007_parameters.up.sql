-- +goose Up
-- What a push's terraform plan learnt of a version (sdk.TemplateVersionInfo
-- as JSON: parameters, presets, variables), and its template variables'
-- values, sealed (secretcrypt.VariablesAAD), and the push's message. A
-- version pushed before this migration has no row.
CREATE TABLE template_version_plans (
    version_id           uuid  NOT NULL,
    info                 bytea NOT NULL,
    variables_ciphertext bytea,
    variables_key_id     text  NOT NULL DEFAULT '',
    message              text  NOT NULL DEFAULT '',
    CONSTRAINT template_version_plans_pkey PRIMARY KEY (version_id),
    CONSTRAINT template_version_plans_version_id_fkey FOREIGN KEY (version_id) REFERENCES template_versions (id) ON DELETE CASCADE
);

-- A build's parameter values, and those of the workspace's build before it
-- (what validation.monotonic compares with), []sdk.BuildParameter as JSON.
CREATE TABLE workspace_build_parameters (
    build_id   uuid  NOT NULL,
    parameters bytea NOT NULL,
    previous   bytea NOT NULL,
    CONSTRAINT workspace_build_parameters_pkey PRIMARY KEY (build_id),
    CONSTRAINT workspace_build_parameters_build_id_fkey FOREIGN KEY (build_id) REFERENCES workspace_builds (id) ON DELETE CASCADE
);
