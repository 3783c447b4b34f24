package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/provisioner"
	"github.com/usersecrets/coder/server/store"
)

// maxPushJSONBytes bounds a JSON push: the archive in base64 and room for
// variables and the message.
const maxPushJSONBytes = sdk.MaxTemplateArchiveBytes/3*4 + 4 + 1<<20

// maxPushMessageBytes bounds a push's message.
const maxPushMessageBytes = 4096

// variableName is what Terraform accepts as a variable's name.
var variableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// validatePush checks a push's variables and message.
func validatePush(p sdk.PushTemplateRequest) error {
	for k, v := range p.Variables {
		if !variableName.MatchString(k) || len(k) > 256 {
			return fmt.Errorf("invalid variable name %q: a Terraform variable name starts with a letter or _ and holds letters, digits, _ and -", k)
		}
		if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
			return fmt.Errorf("invalid value for variable %q: it must be UTF-8 text without NUL", k)
		}
	}
	if len(p.Message) > maxPushMessageBytes || !utf8.ValidString(p.Message) || strings.ContainsRune(p.Message, 0) {
		return fmt.Errorf("invalid message: at most %d bytes of UTF-8 text without NUL", maxPushMessageBytes)
	}
	return nil
}

// planPush runs the push's terraform plan (when the server runs Terraform)
// and returns the plan to record and the version's requirements: the
// plan's coder_secret data sources, dynamic ones included. Without
// Terraform the version is recorded unplanned with the static scan's
// requirements (static). It writes the answer and returns false when the
// push is refused.
func (s *Server) planPush(w http.ResponseWriter, r *http.Request, push sdk.PushTemplateRequest, static []sdk.SecretRequirement) (*store.VersionPlan, []sdk.SecretRequirement, bool) {
	rec := &store.VersionPlan{Message: push.Message}
	if len(push.Variables) > 0 {
		b, err := json.Marshal(push.Variables)
		if err != nil {
			s.writeInternal(w, r, err)
			return nil, nil, false
		}
		rec.Variables = b
	}
	if s.prov == nil {
		if len(push.Variables) > 0 {
			writeError(w, http.StatusBadRequest, "This server runs no Terraform, so it cannot plan the template with its variables.")
			return nil, nil, false
		}
		info, err := json.Marshal(sdk.TemplateVersionInfo{Parameters: []sdk.TemplateParameter{}, Presets: []sdk.TemplatePreset{}, Variables: []sdk.TemplateVariable{}})
		if err != nil {
			s.writeInternal(w, r, err)
			return nil, nil, false
		}
		rec.Info = info
		return rec, static, true
	}
	vp, err := s.prov.PlanVersion(r.Context(), push.Archive, push.Variables)
	var pe *provisioner.PlanError
	if errors.As(err, &pe) {
		writeError(w, http.StatusBadRequest, "The template does not plan, so it was not stored: "+pe.Message)
		return nil, nil, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, nil, false
	}
	info, err := json.Marshal(vp.Info)
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, nil, false
	}
	rec.Info = info
	reqs := vp.Requirements
	if reqs == nil {
		reqs = []sdk.SecretRequirement{}
	}
	return rec, reqs, true
}
