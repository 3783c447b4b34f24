package cryptstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// InsertTemplateVersion seals the plan's variable values (plaintext in
// v.Plan.Variables) and stores the version.
func (s *Store) InsertTemplateVersion(ctx context.Context, name string, v store.TemplateVersion) (store.Template, store.TemplateVersion, error) {
	if v.Plan != nil {
		if v.ID == uuid.Nil {
			v.ID = uuid.New()
		}
		plan := *v.Plan
		plan.VariablesCiphertext, plan.VariablesKeyID = nil, ""
		if len(plan.Variables) > 0 {
			ct, keyID, err := s.keys.Seal(plan.Variables, secretcrypt.VariablesAAD(v.ID))
			if err != nil {
				return store.Template{}, store.TemplateVersion{}, err
			}
			plan.VariablesCiphertext, plan.VariablesKeyID = ct, keyID
		}
		plan.Variables = nil
		v.Plan = &plan
	}
	return s.backend.InsertTemplateVersion(ctx, name, v)
}

// GetVersionPlan returns a version's plan with its variable values opened
// (Variables), or VariablesErr set when they do not open.
func (s *Store) GetVersionPlan(ctx context.Context, versionID uuid.UUID) (store.VersionPlan, error) {
	p, err := s.backend.GetVersionPlan(ctx, versionID)
	if err != nil || len(p.VariablesCiphertext) == 0 {
		return p, err
	}
	pt, err := s.keys.Open(p.VariablesCiphertext, p.VariablesKeyID, secretcrypt.VariablesAAD(versionID))
	if err != nil {
		p.VariablesErr = &UnreadableError{Err: err}
		return p, nil
	}
	p.Variables = pt
	return p, nil
}
