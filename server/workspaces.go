package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/store"
)

func (s *Server) toSDKWorkspace(r *http.Request, w store.Workspace, owner store.User) (sdk.Workspace, error) {
	t, err := s.ws.GetTemplateByID(r.Context(), w.TemplateID)
	if err != nil {
		return sdk.Workspace{}, err
	}
	b, err := s.ws.GetLatestBuild(r.Context(), w.ID)
	if err != nil {
		return sdk.Workspace{}, err
	}
	out := sdk.Workspace{
		ID: w.ID, Name: w.Name, OwnerID: w.OwnerID, OwnerName: owner.Username,
		TemplateID: t.ID, TemplateName: t.Name, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
		LatestBuild: toSDKBuild(b), SecretRefresh: sdkRefresh(w.SecretRefresh),
	}
	if err := s.workspaceSecretState(r.Context(), &out, b, w.OwnerID); err != nil {
		return sdk.Workspace{}, err
	}
	return out, nil
}

// workspaceOwner checks that {user} names the caller: workspaces, like
// secrets, are managed by their owner only.
func workspaceOwner(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	me := userFrom(r.Context())
	if !isSelf(me, r.PathValue("user")) {
		writeError(w, http.StatusForbidden, "You can only manage your own workspaces.")
		return store.User{}, false
	}
	return me, true
}

// missingRequirements returns the template version's coder_secret
// requirements that the owner's secrets do not meet.
func (s *Server) missingRequirements(r *http.Request, owner store.User, versionID uuid.UUID) ([]sdk.SecretRequirement, error) {
	v, err := s.ws.GetTemplateVersion(r.Context(), versionID)
	if err != nil {
		return nil, err
	}
	reqs := templatearchive.DecodeRequirements(v.Requirements)
	if len(reqs) == 0 {
		return nil, nil
	}
	t, err := s.ws.GetTemplateByID(r.Context(), v.TemplateID)
	if err != nil {
		return nil, err
	}
	have, err := s.store.ListSecrets(r.Context(), owner.ID)
	if err != nil {
		return nil, err
	}
	envs, files := map[string]bool{}, map[string]bool{}
	for _, sec := range have {
		// A secret scoped to other templates is missing for this one.
		dt, ok := placement.Delivered(s.policy(), sec.Enabled, sec.EnvName, sec.FilePath, sec.Templates, t.Name)
		if !ok {
			continue
		}
		if dt.EnvName != "" {
			envs[dt.EnvName] = true
		}
		if dt.FilePath != "" {
			files[dt.FilePath] = true
		}
	}
	var missing []sdk.SecretRequirement
	for _, req := range reqs {
		if (req.EnvName != "" && !envs[req.EnvName]) || (req.FilePath != "" && !files[req.FilePath]) {
			missing = append(missing, req)
		}
	}
	return missing, nil
}

func (s *Server) writeMissing(w http.ResponseWriter, missing []sdk.SecretRequirement) {
	if s.opts.DisableUserSecretFileDelivery {
		var files []string
		var vals []sdk.ValidationError
		for _, m := range missing {
			if m.FilePath != "" {
				files = append(files, m.FilePath)
				vals = append(vals, sdk.ValidationError{Field: m.ID(), Detail: "file delivery is disabled on this deployment"})
			}
		}
		if len(files) > 0 {
			writeError(w, http.StatusBadRequest, "The template requires secrets written to files ("+strings.Join(files, ", ")+
				"), but this deployment disables file delivery of secrets (coder server --disable-user-secret-file-delivery); the workspace was not started. Ask the template's author for an environment variable instead.", vals...)
			return
		}
	}
	parts := make([]string, 0, len(missing))
	var vals []sdk.ValidationError
	for _, m := range missing {
		parts = append(parts, m.Message())
		vals = append(vals, sdk.ValidationError{Field: m.ID(), Detail: m.HelpMessage})
	}
	writeError(w, http.StatusBadRequest, "The template requires secrets you have not created; the workspace was not started.\n\n"+strings.Join(parts, "\n\n"), vals...)
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) {
	me, ok := workspaceOwner(w, r)
	if !ok {
		return
	}
	var req sdk.CreateWorkspaceRequest
	if !readJSON(w, r, &req) {
		return
	}
	var vals []sdk.ValidationError
	if err := sdk.ValidateWorkspaceName(req.Name); err != nil {
		vals = append(vals, sdk.ValidationError{Field: "name", Detail: err.Error()})
	}
	if req.Template == "" {
		vals = append(vals, sdk.ValidationError{Field: "template", Detail: "template is required"})
	}
	if err := sdk.ValidateRefresh(req.SecretRefresh); err != nil {
		vals = append(vals, sdk.ValidationError{Field: "secret_refresh", Detail: "secret_" + err.Error()})
	}
	if len(vals) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid workspace: "+vals[0].Detail+".", vals...)
		return
	}
	t, err := s.ws.GetTemplateByName(r.Context(), req.Template)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Template %q not found. List templates with `coder templates list`.", req.Template),
			sdk.ValidationError{Field: "template", Detail: "not found"})
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	missing, err := s.missingRequirements(r, me, t.ActiveVersionID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if len(missing) > 0 {
		s.writeMissing(w, missing)
		return
	}
	params, err := s.buildParameters(r.Context(), t.ActiveVersionID, sdk.TransitionStart, req.Parameters, req.Preset, nil)
	if err != nil {
		s.writeParameterError(w, r, err)
		return
	}
	secrets, ok := s.nextBuildSecrets(w, r, nil, sdk.TransitionStart, 1, req.Secrets)
	if !ok {
		return
	}
	now := s.now().UTC()
	ws, _, err := s.ws.InsertWorkspace(r.Context(), store.Workspace{
		ID: uuid.New(), Name: req.Name, OwnerID: me.ID, TemplateID: t.ID, CreatedAt: now, UpdatedAt: now,
		SecretRefresh: storedRefresh(req.SecretRefresh),
	}, store.WorkspaceBuild{
		ID: uuid.New(), Transition: sdk.TransitionStart, Status: sdk.BuildPending,
		TemplateVersionID: t.ActiveVersionID, InitiatorID: me.ID, CreatedAt: now, Parameters: params,
		Secrets: secrets,
	})
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		writeError(w, http.StatusConflict, fmt.Sprintf("You already have a workspace named %q.", req.Name), sdk.ValidationError{Field: "name", Detail: "already in use"})
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.wakeProvisioner()
	s.logger.Info("workspace created", "user", me.Username, "workspace", ws.Name, "template", t.Name)
	out, err := s.toSDKWorkspace(r, ws, me)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	me, ok := workspaceOwner(w, r)
	if !ok {
		return
	}
	list, err := s.ws.ListWorkspaces(r.Context(), me.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]sdk.Workspace, 0, len(list))
	for _, ws := range list {
		x, err := s.toSDKWorkspace(r, ws, me)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		out = append(out, x)
	}
	writeJSON(w, http.StatusOK, out)
}

// lookupWorkspace finds the caller's workspace named in the path.
func (s *Server) lookupWorkspace(w http.ResponseWriter, r *http.Request) (store.User, store.Workspace, bool) {
	me, ok := workspaceOwner(w, r)
	if !ok {
		return me, store.Workspace{}, false
	}
	name := r.PathValue("workspace")
	ws, err := s.ws.GetWorkspaceByOwnerAndName(r.Context(), me.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q not found.", name))
		return me, ws, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return me, ws, false
	}
	return me, ws, true
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) {
	me, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	out, err := s.toSDKWorkspace(r, ws, me)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// updateWorkspace changes a workspace's settings: its secret refresh mode.
// Turning live refresh on for a running workspace pushes at once what is
// pending for its file-only secrets (see pushLive).
func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request) {
	me, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	var req sdk.UpdateWorkspaceRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.SecretRefresh == nil {
		writeError(w, http.StatusBadRequest, "Nothing to update: give secret_refresh.", sdk.ValidationError{Field: "secret_refresh", Detail: "required"})
		return
	}
	if err := sdk.ValidateRefresh(*req.SecretRefresh); err != nil || *req.SecretRefresh == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid update: secret_refresh must be %q or %q.", sdk.RefreshRestart, sdk.RefreshLive),
			sdk.ValidationError{Field: "secret_refresh", Detail: "invalid"})
		return
	}
	ws, err := s.ws.SetWorkspaceSecretRefresh(r.Context(), ws.ID, storedRefresh(*req.SecretRefresh), s.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q not found.", r.PathValue("workspace")))
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("workspace secret refresh set", "user", me.Username, "workspace", ws.Name, "secret_refresh", sdkRefresh(ws.SecretRefresh))
	if ws.SecretRefresh == sdk.RefreshLive {
		s.pushLive(me)
	}
	out, err := s.toSDKWorkspace(r, ws, me)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
