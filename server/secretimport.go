package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/secretimport"
	"github.com/usersecrets/coder/server/store"
)

// maxImportBodyBytes bounds an import's body: a 1 MiB file whose every
// byte JSON escapes to six (\u00XX), and the envelope.
const maxImportBodyBytes = 6*secretimport.MaxBytes + 4096

// importSecrets creates every secret of a file at once, or none: the file
// is parsed with the rules the CLI applied before sending it, then the
// store checks every collision and the quotas for the whole batch, and
// writes the secrets and their audit entries in one transaction.
func (s *Server) importSecrets(w http.ResponseWriter, r *http.Request) {
	me, ok := secretOwner(w, r)
	if !ok {
		return
	}
	var req sdk.ImportSecretsRequest
	if !readJSONMax(w, r, &req, maxImportBodyBytes) {
		return
	}
	format, err := secretimport.ParseFormat(req.Format)
	if err != nil {
		writeError(w, http.StatusBadRequest, sentence(err.Error()), sdk.ValidationError{Field: "format", Detail: err.Error()})
		return
	}
	items, err := secretimport.Parse(format, []byte(req.Content))
	if err != nil {
		// secretimport's errors name lines and keys, never a value.
		writeError(w, http.StatusBadRequest, sentence(err.Error()), sdk.ValidationError{Field: "content", Detail: "the file cannot be imported"})
		return
	}
	now := s.now().UTC()
	batch := make([]store.Secret, len(items))
	warnings := []string{}
	for i, it := range items {
		batch[i] = store.Secret{
			ID: uuid.New(), Name: it.Name, EnvName: it.EnvName, Enabled: it.Enabled, Value: it.Value,
			CreatedAt: now, UpdatedAt: now,
		}
		if it.Warning != "" {
			warnings = append(warnings, it.Warning)
		}
	}
	rows, err := s.store.InsertSecrets(r.Context(), store.InsertSecretsParams{
		OwnerID: me.ID, Secrets: batch, Quota: s.quota(), ActorID: me.ID,
	})
	s.forgetUserTokens(r.Context(), me.ID)
	var le *store.LimitError
	if errors.As(err, &le) {
		writeImportLimit(w, le, len(items))
		return
	}
	if err != nil {
		s.writeSecretError(w, r, "", err)
		return
	}
	out := sdk.ImportSecretsResponse{Secrets: make([]sdk.Secret, 0, len(rows)), Warnings: warnings}
	for _, row := range rows {
		out.Secrets = append(out.Secrets, toSDKSecret(row))
	}
	s.logger.Info("secrets imported", "user", me.Username, "count", len(rows), "format", string(format))
	writeJSON(w, http.StatusCreated, out)
}

// writeImportLimit answers an import that would break a quota, saying how
// much to remove.
func writeImportLimit(w http.ResponseWriter, le *store.LimitError, n int) {
	over := le.Would - le.Max
	var msg string
	switch le.Limit {
	case store.LimitSecrets:
		msg = fmt.Sprintf("Importing these %d secrets would bring you to %d secrets; the limit is %d: remove %d keys from the file (or delete secrets you no longer need). Nothing was imported.", n, le.Would, le.Max, over)
	case store.LimitTotalBytes:
		msg = fmt.Sprintf("Importing this file would bring the total size of your secret values to %d bytes; the limit is %d bytes: remove at least %d bytes of values. Nothing was imported.", le.Would, le.Max, over)
	case store.LimitEnvBytes:
		msg = fmt.Sprintf("Importing this file would bring the total size of your secret values with an environment variable target to %d bytes; the limit is %d bytes: remove at least %d bytes of values. Nothing was imported.", le.Would, le.Max, over)
	default:
		msg = "Importing this file would exceed a limit on your secrets. Nothing was imported."
	}
	writeError(w, http.StatusBadRequest, msg, sdk.ValidationError{Field: "content", Detail: le.Limit + " limit exceeded"})
}

// writeBatchConflict answers a *store.BatchConflictError with 409, listing
// every collision with its index in the file. It reports whether err was
// one.
func (s *Server) writeBatchConflict(w http.ResponseWriter, err error) bool {
	var be *store.BatchConflictError
	if !errors.As(err, &be) {
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the secrets to import collide with secrets you have; nothing was imported:", len(be.Collisions))
	vals := make([]sdk.ValidationError, 0, len(be.Collisions))
	for _, c := range be.Collisions {
		detail := collisionDetail(c)
		fmt.Fprintf(&b, "\n  #%d %s: %s", c.Index, c.Name, detail)
		vals = append(vals, sdk.ValidationError{Field: fmt.Sprintf("secrets[%d].%s", c.Index, c.Field), Detail: detail})
	}
	writeError(w, http.StatusConflict, b.String(), vals...)
	return true
}

func collisionDetail(c store.Collision) string {
	where := fmt.Sprintf("your secret %q", c.Existing)
	if c.InBatch {
		where = fmt.Sprintf("%q, earlier in the file", c.Existing)
	}
	switch c.Field {
	case "name":
		if c.InBatch {
			return "the name is used " + where
		}
		return "you already have a secret with this name"
	case "env_name":
		return "its environment variable is the target of " + where
	case "file_path":
		return "its file is the target of " + where
	}
	return "it collides with " + where + " on " + c.Field
}

// sentence makes msg a sentence: a capital first letter, a final period.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
