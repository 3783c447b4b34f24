package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// versionInfo returns what the push's plan learnt of a version; a version
// pushed without a plan has an empty, unplanned one.
func (s *Server) versionInfo(ctx context.Context, versionID uuid.UUID) (sdk.TemplateVersionInfo, error) {
	info, _, err := s.versionInfoMessage(ctx, versionID)
	return info, err
}

// versionInfoMessage is versionInfo with the push's message.
func (s *Server) versionInfoMessage(ctx context.Context, versionID uuid.UUID) (sdk.TemplateVersionInfo, string, error) {
	empty := sdk.TemplateVersionInfo{Parameters: []sdk.TemplateParameter{}, Presets: []sdk.TemplatePreset{}, Variables: []sdk.TemplateVariable{}}
	p, err := s.ws.GetVersionPlan(ctx, versionID)
	if errors.Is(err, store.ErrNotFound) {
		return empty, "", nil
	}
	if err != nil {
		return empty, "", err
	}
	info := empty
	if len(p.Info) > 0 {
		if err := json.Unmarshal(p.Info, &info); err != nil {
			return empty, "", fmt.Errorf("decode the plan of version %s: %w", versionID, err)
		}
	}
	return info, p.Message, nil
}

// buildParameters computes the parameter values of a new build of
// versionID: for a start build, given (the request's) over the preset's
// over last's (the workspace's last build, nil for a new workspace),
// checked against the version's parameters; for a stop or delete build,
// last's values as they are. The error is a *sdk.ParameterValueError for a
// value the rules refuse, or an *unknownPresetError.
func (s *Server) buildParameters(ctx context.Context, versionID uuid.UUID, transition string, given []sdk.BuildParameter, preset string, last *store.WorkspaceBuild) (*store.BuildParameters, error) {
	var previous []sdk.BuildParameter
	if last != nil {
		bp, err := s.ws.GetBuildParameters(ctx, last.ID)
		if err != nil {
			return nil, err
		}
		if len(bp.Values) > 0 {
			if err := json.Unmarshal(bp.Values, &previous); err != nil {
				return nil, fmt.Errorf("decode the parameters of build %s: %w", last.ID, err)
			}
		}
	}
	prevJSON, err := json.Marshal(nonNilParams(previous))
	if err != nil {
		return nil, err
	}
	if transition != sdk.TransitionStart {
		return &store.BuildParameters{Values: prevJSON, Previous: prevJSON}, nil
	}
	info, err := s.versionInfo(ctx, versionID)
	if err != nil {
		return nil, err
	}
	if preset == "" && last == nil {
		// A new workspace gets the template's default preset, as the
		// coder CLI picks it; "none" asks for no preset.
		preset = sdk.DefaultPreset(info)
	}
	if preset != "" && preset != sdk.NoPreset {
		var found *sdk.TemplatePreset
		for i := range info.Presets {
			if info.Presets[i].Name == preset {
				found = &info.Presets[i]
			}
		}
		if found == nil {
			return nil, &unknownPresetError{name: preset, info: info}
		}
		byName := map[string]bool{}
		for _, g := range given {
			byName[g.Name] = true
		}
		for _, p := range info.Parameters {
			if v, ok := found.Parameters[p.Name]; ok && !byName[p.Name] {
				given = append(given, sdk.BuildParameter{Name: p.Name, Value: v})
			}
		}
	}
	values, err := sdk.ResolveBuildParameters(info.Parameters, given, previous, last == nil)
	if err != nil {
		return nil, err
	}
	valJSON, err := json.Marshal(nonNilParams(values))
	if err != nil {
		return nil, err
	}
	return &store.BuildParameters{Values: valJSON, Previous: prevJSON}, nil
}

func nonNilParams(ps []sdk.BuildParameter) []sdk.BuildParameter {
	if ps == nil {
		return []sdk.BuildParameter{}
	}
	return ps
}

type unknownPresetError struct {
	name string
	info sdk.TemplateVersionInfo
}

func (e *unknownPresetError) Error() string {
	names := make([]string, 0, len(e.info.Presets))
	for _, p := range e.info.Presets {
		names = append(names, fmt.Sprintf("%q", p.Name))
	}
	if len(names) == 0 {
		return fmt.Sprintf("the template has no preset %q (it has no presets)", e.name)
	}
	return fmt.Sprintf("the template has no preset %q (presets: %s)", e.name, joinComma(names))
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// writeParameterError answers a build refused for its parameters (400), or
// an internal error; it reports whether it wrote anything.
func (s *Server) writeParameterError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *sdk.ParameterValueError
	var up *unknownPresetError
	switch {
	case errors.As(err, &pe):
		msg := fmt.Sprintf("Invalid value for parameter %q (%s rule): %s. No build was started.", pe.Parameter, pe.Rule, pe.Detail)
		if pe.Rule == "required" {
			msg = fmt.Sprintf("Parameter %q needs a value: %s. Give it with --parameter %s=VALUE. No build was started.", pe.Parameter, pe.Detail, pe.Parameter)
		}
		writeError(w, http.StatusBadRequest, msg,
			sdk.ValidationError{Field: "rich_parameter_values." + pe.Parameter, Detail: pe.Rule + ": " + pe.Detail})
	case errors.As(err, &up):
		writeError(w, http.StatusBadRequest, "Invalid preset: "+up.Error()+".", sdk.ValidationError{Field: "preset", Detail: "not found"})
	default:
		s.writeInternal(w, r, err)
	}
}

// getTemplateVersionInfo answers GET /api/v2/templateversions/{id}/parameters.
func (s *Server) getTemplateVersionInfo(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("version"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid template version id.")
		return
	}
	if _, err := s.ws.GetTemplateVersion(r.Context(), id); errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "Template version not found.")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	info, err := s.versionInfo(r.Context(), id)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// getBuildParameters answers GET /api/v2/workspacebuilds/{build}/parameters
// for the build's owner.
func (s *Server) getBuildParameters(w http.ResponseWriter, r *http.Request) {
	b, ok := s.lookupBuild(w, r)
	if !ok {
		return
	}
	bp, err := s.ws.GetBuildParameters(r.Context(), b.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := []sdk.BuildParameter{}
	if len(bp.Values) > 0 {
		if err := json.Unmarshal(bp.Values, &out); err != nil {
			s.writeInternal(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, nonNilParams(out))
}
