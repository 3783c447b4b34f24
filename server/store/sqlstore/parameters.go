package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// insertVersionPlan records v's plan, if it has one, in InsertTemplateVersion's
// transaction.
func insertVersionPlan(ctx context.Context, c conn, v store.TemplateVersion) error {
	if v.Plan == nil {
		return nil
	}
	var ct []byte
	if len(v.Plan.VariablesCiphertext) > 0 {
		ct = v.Plan.VariablesCiphertext
	}
	_, err := c.exec(ctx, `INSERT INTO template_version_plans (version_id, info, variables_ciphertext, variables_key_id, message)
		VALUES (?, ?, ?, ?, ?)`, v.ID, nonNilBytes(v.Plan.Info), ct, v.Plan.VariablesKeyID, cleanText(v.Plan.Message))
	return err
}

// insertBuildParameters records b's parameters, if it has some, in the
// transaction that inserts b.
func insertBuildParameters(ctx context.Context, c conn, b store.WorkspaceBuild) error {
	if b.Parameters == nil {
		return nil
	}
	_, err := c.exec(ctx, `INSERT INTO workspace_build_parameters (build_id, parameters, previous) VALUES (?, ?, ?)`,
		b.ID, nonNilBytes(b.Parameters.Values), nonNilBytes(b.Parameters.Previous))
	return err
}

const versionPlanColumns = `version_id, info, variables_ciphertext, variables_key_id, message`

func scanVersionPlan(r Row) (store.VersionPlan, error) {
	var p store.VersionPlan
	if err := r.Scan(&p.VersionID, &p.Info, &p.VariablesCiphertext, &p.VariablesKeyID, &p.Message); err != nil {
		return store.VersionPlan{}, err
	}
	p.Info, p.VariablesCiphertext = nilIfEmpty(p.Info), nilIfEmpty(p.VariablesCiphertext)
	return p, nil
}

// GetVersionPlan returns the plan recorded with a version.
func (s *Store) GetVersionPlan(ctx context.Context, versionID uuid.UUID) (_ store.VersionPlan, err error) {
	defer wrap(&err, "get version plan")
	return one(ctx, s.read(), scanVersionPlan,
		`SELECT `+versionPlanColumns+` FROM template_version_plans WHERE version_id = ?`, versionID)
}

// VariablesKeyIDs counts the plans whose variables each key id seals.
func (s *Store) VariablesKeyIDs(ctx context.Context) (_ map[string]int, err error) {
	defer wrap(&err, "variables key ids")
	return s.keyIDCounts(ctx, `SELECT variables_key_id, COUNT(*) FROM template_version_plans
		WHERE variables_key_id <> '' GROUP BY variables_key_id`)
}

// ListVersionPlansByVariablesKeyID lists plans whose variables keyID seals.
func (s *Store) ListVersionPlansByVariablesKeyID(ctx context.Context, keyID string, limit int) (_ []store.VersionPlan, err error) {
	defer wrap(&err, "list version plans by variables key id")
	return all(ctx, s.read(), scanVersionPlan, `SELECT `+versionPlanColumns+` FROM template_version_plans
		WHERE variables_key_id = ? ORDER BY version_id LIMIT ?`, keyID, limitArg(limit))
}

// ReplaceVersionVariables swaps a plan's sealed variables.
func (s *Store) ReplaceVersionVariables(ctx context.Context, versionID uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) (err error) {
	defer wrap(&err, "replace version variables")
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE template_version_plans SET variables_ciphertext = ?, variables_key_id = ?
			WHERE version_id = ? AND variables_key_id = ?`, nonNilBytes(ciphertext), newKeyID, versionID, oldKeyID)
		if err != nil || n == 1 {
			return err
		}
		if err := c.exists(ctx, `SELECT 1 FROM template_version_plans WHERE version_id = ?`, versionID); err != nil {
			return err
		}
		return &store.ConflictError{Field: "key_id"}
	})
}

// GetBuildParameters returns the parameter values recorded with a build.
func (s *Store) GetBuildParameters(ctx context.Context, buildID uuid.UUID) (_ store.BuildParameters, err error) {
	defer wrap(&err, "get build parameters")
	var p store.BuildParameters
	err = s.read().row(ctx, []any{&p.Values, &p.Previous},
		`SELECT parameters, previous FROM workspace_build_parameters WHERE build_id = ?`, buildID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.read().exists(ctx, `SELECT 1 FROM workspace_builds WHERE id = ?`, buildID); err != nil {
			return store.BuildParameters{}, fmt.Errorf("build: %w", err)
		}
		return store.BuildParameters{}, nil
	}
	if err != nil {
		return store.BuildParameters{}, err
	}
	p.Values, p.Previous = nilIfEmpty(p.Values), nilIfEmpty(p.Previous)
	return p, nil
}
