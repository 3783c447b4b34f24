package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// quota is what one user may hold, from the configured limits.
func (s *Server) quota() store.Quota {
	return store.Quota{
		MaxSecrets:    s.opts.Limits.MaxSecrets,
		MaxTotalBytes: s.opts.Limits.MaxTotalValueBytes,
		MaxEnvBytes:   s.opts.Limits.MaxEnvValueBytes,
	}
}

// storedRefresh is how a refresh mode is stored: "" for the default.
func storedRefresh(m string) string {
	if m == sdk.RefreshLive {
		return sdk.RefreshLive
	}
	return ""
}

func sdkRefresh(m string) string {
	if m == sdk.RefreshLive {
		return sdk.RefreshLive
	}
	return sdk.RefreshRestart
}

func toSDKSecret(s store.Secret) sdk.Secret {
	return sdk.Secret{
		ID:          s.ID,
		OwnerID:     s.OwnerID,
		Name:        s.Name,
		Description: s.Description,
		EnvName:     s.EnvName,
		FilePath:    s.FilePath,
		Enabled:     s.Enabled,
		Templates:   append([]string{}, s.Templates...),
		Refresh:     sdkRefresh(s.Refresh),
		CreatedAt:   s.CreatedAt,
		UpdatedAt:   s.UpdatedAt,
	}
}

// secretOwner checks that {user} names the caller: only the owner may read
// or change secrets, admins included. It writes 403 and returns false
// otherwise.
func secretOwner(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	me := userFrom(r.Context())
	if !isSelf(me, r.PathValue("user")) {
		writeError(w, http.StatusForbidden, "You can only manage your own secrets.")
		return store.User{}, false
	}
	return me, true
}

// writeSecretError maps a store error of a secret operation.
func (s *Server) writeSecretError(w http.ResponseWriter, r *http.Request, name string, err error) {
	var ce *store.ConflictError
	var le *store.LimitError
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("Secret %q not found.", name))
	case errors.Is(err, store.ErrNoTarget):
		writeError(w, http.StatusBadRequest,
			fmt.Sprintf("Secret %q is enabled, so it needs an environment variable or file target; to keep it without one, disable it (`coder secret disable %s`, or \"enabled\": false in the same request).", name, name),
			sdk.ValidationError{Field: "enabled", Detail: "an enabled secret needs a target"})
	case s.writeBatchConflict(w, err):
	case errors.As(err, &ce):
		what := map[string]string{
			"name":      "a secret with this name",
			"env_name":  "an enabled secret with this environment variable target",
			"file_path": "an enabled secret with this file target",
		}[ce.Field]
		if what == "" {
			what = "a secret with the same " + ce.Field
		}
		writeError(w, http.StatusConflict, fmt.Sprintf("You already have %s.", what),
			sdk.ValidationError{Field: ce.Field, Detail: "already used by another of your secrets"})
	case errors.As(err, &le):
		var msg string
		switch le.Limit {
		case store.LimitSecrets:
			msg = fmt.Sprintf("You have reached the limit of %d secrets. Delete a secret you no longer need first.", le.Max)
		case store.LimitTotalBytes:
			msg = fmt.Sprintf("This change would bring the total size of your secret values to %d bytes; the limit is %d bytes.", le.Would, le.Max)
		case store.LimitEnvBytes:
			msg = fmt.Sprintf("This change would bring the total size of your secret values with an environment variable target to %d bytes; the limit is %d bytes.", le.Would, le.Max)
		default:
			msg = "This change would exceed a limit on your secrets."
		}
		writeError(w, http.StatusBadRequest, msg, sdk.ValidationError{Field: "value", Detail: le.Limit + " limit exceeded"})
	default:
		s.writeInternal(w, r, err)
	}
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	meta, out, err := s.secretMetaOf(r.Context(), me.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if meta == nil {
		writeSecretsJSON(w, http.StatusOK, nil, out)
		return
	}
	writeCachedJSON(w, meta.list, "")
}

func (s *Server) getSecret(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	name := sdk.NormalizeSecretName(r.PathValue("name"))
	meta, list, err := s.secretMetaOf(r.Context(), me.ID)
	if err != nil {
		s.writeSecretError(w, r, name, err)
		return
	}
	if meta == nil {
		for i := range list {
			if list[i].Name == name {
				writeSecretsJSON(w, http.StatusOK, &list[i], nil)
				return
			}
		}
		s.writeSecretError(w, r, name, store.ErrNotFound)
		return
	}
	at, ok := meta.one[name]
	if !ok {
		s.writeSecretError(w, r, name, store.ErrNotFound)
		return
	}
	writeCachedJSON(w, meta.list[at[0]:at[1]], "\n")
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	var req sdk.CreateSecretRequest
	if !readJSON(w, r, &req) {
		return
	}
	if v := req.Validate(); len(v) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid secret: "+v[0].Detail+".", v...)
		return
	}
	if s.refuseFileTarget(w, "file_path", req.FilePath) {
		return
	}
	now := s.now().UTC()
	row, err := s.store.InsertSecret(r.Context(), store.InsertSecretParams{
		Secret: store.Secret{
			ID: uuid.New(), OwnerID: me.ID, Name: req.Name, Description: req.Description,
			EnvName: req.EnvName, FilePath: req.FilePath, Enabled: req.IsEnabled(), Value: req.Value, Templates: req.Templates,
			Refresh:   storedRefresh(req.Refresh),
			CreatedAt: now, UpdatedAt: now,
		},
		Quota:   s.quota(),
		ActorID: me.ID,
	})
	s.forgetUserTokens(r.Context(), me.ID)
	if err != nil {
		s.writeSecretError(w, r, req.Name, err)
		return
	}
	s.logger.Info("secret created", "user", me.Username, "secret", row.Name, "secret_id", row.ID,
		"env_target", row.EnvName != "", "file_target", row.FilePath != "", "enabled", row.Enabled)
	s.pushAfterSecretChange(r.Context(), me, store.Secret{}, row)
	writeJSON(w, http.StatusCreated, toSDKSecret(row))
}

func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	name := sdk.NormalizeSecretName(r.PathValue("name"))
	var req sdk.UpdateSecretRequest
	if !readJSON(w, r, &req) {
		return
	}
	if v := req.Validate(); len(v) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid update: "+v[0].Detail+".", v...)
		return
	}
	if req.FilePath != nil && s.refuseFileTarget(w, "file_path", *req.FilePath) {
		return
	}
	var refresh *string
	if req.Refresh != nil {
		m := storedRefresh(*req.Refresh)
		refresh = &m
	}
	before, _ := s.store.GetSecret(r.Context(), me.ID, name)
	row, err := s.store.UpdateSecret(r.Context(), store.UpdateSecretParams{
		Refresh: refresh,
		OwnerID: me.ID, Name: name, Description: req.Description, EnvName: req.EnvName,
		FilePath: req.FilePath, Enabled: req.Enabled, Templates: req.Templates, Value: req.Value, Now: s.now, Quota: s.quota(), ActorID: me.ID,
	})
	s.forgetUserTokens(r.Context(), me.ID)
	if err != nil {
		s.writeSecretError(w, r, name, err)
		return
	}
	s.logger.Info("secret updated", "user", me.Username, "secret", row.Name, "secret_id", row.ID,
		"value_changed", req.Value != nil)
	s.pushAfterSecretChange(r.Context(), me, before, row)
	out := toSDKSecret(row)
	writeSecretsJSON(w, http.StatusOK, &out, nil)
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	name := sdk.NormalizeSecretName(r.PathValue("name"))
	before, _ := s.store.GetSecret(r.Context(), me.ID, name)
	err := s.store.DeleteSecret(r.Context(), me.ID, name, me.ID)
	s.forgetUserTokens(r.Context(), me.ID)
	if err != nil {
		s.writeSecretError(w, r, name, err)
		return
	}
	s.logger.Info("secret deleted", "user", me.Username, "secret", name)
	s.pushAfterSecretChange(r.Context(), me, before, store.Secret{})
	w.WriteHeader(http.StatusNoContent)
}
