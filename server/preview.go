package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/store"
)

// previewSecrets answers GET /api/v2/users/{user}/secretpreview
// ?template=T or ?workspace=WS, with an optional &home=H: what a workspace
// would get of the caller's secrets at its next start, without any value
// (placement.Preview, the agent's rules). For a workspace, the template
// env and OS are those its agent was recorded with at its last start and
// the home the one its agent reported; otherwise (a template, or a
// workspace that is stopped) they are read from the template version's
// files.
func (s *Server) previewSecrets(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	tmplName, wsName, home := q.Get("template"), q.Get("workspace"), q.Get("home")
	if (tmplName == "") == (wsName == "") {
		writeError(w, http.StatusBadRequest, "Give exactly one of the template or workspace query parameters.",
			sdk.ValidationError{Field: "template", Detail: "exactly one of template or workspace is required"})
		return
	}
	ctx := r.Context()
	var (
		t         store.Template
		versionID uuid.UUID
		env       []sdk.EnvVar
		goos      string
		source    string
		err       error
	)
	if wsName != "" {
		ws, err := s.ws.GetWorkspaceByOwnerAndName(ctx, me.ID, wsName)
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q not found.", wsName))
			return
		}
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		if t, err = s.ws.GetTemplateByID(ctx, ws.TemplateID); err != nil {
			s.writeInternal(w, r, err)
			return
		}
		b, err := s.ws.GetLatestBuild(ctx, ws.ID)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		versionID = b.TemplateVersionID
		agents, err := s.ws.ListAgentsByBuild(ctx, b.ID)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		if len(agents) > 0 && agents[0].ConfigErr == nil {
			a := agents[0]
			env, goos, source = []sdk.EnvVar{}, a.OS, "agent"
			if len(a.Env) > 0 {
				if err := json.Unmarshal(a.Env, &env); err != nil {
					s.writeInternal(w, r, err)
					return
				}
			}
			if home == "" {
				applied, err := s.ws.ListAgentApplied(ctx, b.ID)
				if err != nil {
					s.writeInternal(w, r, err)
					return
				}
				for _, ap := range applied {
					if ap.AgentID == a.ID {
						home = ap.Home
					}
				}
			}
		}
	} else {
		t, err = s.ws.GetTemplateByName(ctx, tmplName)
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Template %q not found. List templates with `coder templates list`.", tmplName))
			return
		}
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		versionID = t.ActiveVersionID
	}
	if source == "" {
		v, err := s.ws.GetTemplateVersion(ctx, versionID)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		if env, goos, err = templatearchive.AgentEnv(v.Archive); err != nil {
			writeError(w, http.StatusBadRequest, "The template's files cannot be read for a preview: "+err.Error())
			return
		}
		source = "template"
	}
	if goos == "" {
		goos = "linux"
	}
	if home != "" {
		if _, err := placement.ResolvePath("~/x", home, goos, "C:"); err != nil || len(home) > 4096 {
			writeError(w, http.StatusBadRequest, "The home folder must be an absolute path.", sdk.ValidationError{Field: "home", Detail: "not an absolute path"})
			return
		}
	}
	rows, err := s.store.ListSecrets(ctx, me.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	secrets := make([]placement.PreviewSecret, 0, len(rows))
	for _, row := range rows {
		secrets = append(secrets, placement.PreviewSecret{Name: row.Name, EnvName: row.EnvName, FilePath: row.FilePath,
			Enabled: row.Enabled, Templates: row.Templates})
	}
	out := placement.Preview(s.policy(), secrets, t.Name, env, home, goos, "C:")
	out.Workspace, out.TemplateEnvSource = wsName, source
	writeJSON(w, http.StatusOK, out)
}
