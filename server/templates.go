package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
	"github.com/usersecrets/coder/server/store"
)

func (s *Server) toSDKTemplate(r *http.Request, t store.Template) (sdk.Template, error) {
	v, err := s.ws.GetTemplateVersion(r.Context(), t.ActiveVersionID)
	if err != nil {
		return sdk.Template{}, err
	}
	reqs := templatearchive.DecodeRequirements(v.Requirements)
	if reqs == nil {
		reqs = []sdk.SecretRequirement{}
	}
	info, message, err := s.versionInfoMessage(r.Context(), v.ID)
	if err != nil {
		return sdk.Template{}, err
	}
	return sdk.Template{
		ID: t.ID, Name: t.Name, ActiveVersionID: t.ActiveVersionID, ActiveVersion: v.Number,
		CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, SecretRequirements: reqs,
		ActiveVersionInfo: info, ActiveVersionMessage: message,
	}, nil
}

// pushTemplate takes a tar archive of a template folder and makes it the
// template's new active version (creating the template). Admins only.
func (s *Server) pushTemplate(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	if me.Role != sdk.RoleAdmin {
		writeError(w, http.StatusForbidden, "Only admins can push templates.")
		return
	}
	name := r.PathValue("template")
	if err := sdk.ValidateTemplateName(name); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid template name: "+err.Error()+".", sdk.ValidationError{Field: "name", Detail: err.Error()})
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct != "application/x-tar" && ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Send the template folder as a tar archive with Content-Type application/x-tar, "+
			"or as a JSON sdk.PushTemplateRequest with Content-Type application/json.")
		return
	}
	limit := int64(sdk.MaxTemplateArchiveBytes)
	if ct == "application/json" {
		limit = maxPushJSONBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The template archive is too large: at most %d bytes are accepted.", sdk.MaxTemplateArchiveBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "Could not read the template archive.")
		return
	}
	var push sdk.PushTemplateRequest
	if ct == "application/json" {
		if err := json.Unmarshal(body, &push); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error()+".")
			return
		}
	} else {
		push.Archive = body
	}
	archive := push.Archive
	if len(archive) > sdk.MaxTemplateArchiveBytes {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The template archive is too large: at most %d bytes are accepted.", sdk.MaxTemplateArchiveBytes))
		return
	}
	if err := validatePush(push); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid push: "+err.Error()+".")
		return
	}
	if _, _, err := templatearchive.Read(archive); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid template archive: "+err.Error()+".")
		return
	}
	reqs, err := templatearchive.Requirements(archive)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid template: "+err.Error())
		return
	}
	for _, req := range reqs {
		if err := req.Validate(); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid coder_secret requirement %s: %v.", req.ID(), err))
			return
		}
	}
	plan, reqs, ok := s.planPush(w, r, push, reqs)
	if !ok {
		return
	}
	t, v, err := s.ws.InsertTemplateVersion(r.Context(), name, store.TemplateVersion{
		ID: uuid.New(), Archive: archive, Requirements: templatearchive.EncodeRequirements(reqs),
		CreatedBy: me.ID, CreatedAt: s.now().UTC(), Plan: plan,
	})
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("template pushed", "template", t.Name, "version", v.Number, "by", me.Username, "bytes", len(archive))
	out, err := s.toSDKTemplate(r, t)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	ts, err := s.ws.ListTemplates(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]sdk.Template, 0, len(ts))
	for _, t := range ts {
		st, err := s.toSDKTemplate(r, t)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.ws.GetTemplateByName(r.Context(), r.PathValue("template"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Template %q not found.", r.PathValue("template")))
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out, err := s.toSDKTemplate(r, t)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
