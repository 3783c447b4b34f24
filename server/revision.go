package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sort"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/server/store"
)

// Restart needed (issue 16): every manifest carries a revision, a digest
// over what it delivers, and the server records what that was: each
// secret's name, targets and value token (store.Secret.ValueRev, random,
// drawn anew at every write of the value). Nothing in the record or the
// digest is derived from a value. The agent reports the revision it
// applied; the server compares the record of that revision with what a
// start would deliver now.

// deliveredSecret is one secret of a manifest as the server records it.
type deliveredSecret struct {
	Name     string `json:"name"`
	EnvName  string `json:"env_name,omitempty"`
	FilePath string `json:"file_path,omitempty"`
	ValueRev string `json:"value_rev"`
}

// deliveredSet is what a workspace of template gets of rows (sorted by
// name, as the store lists them) under the policy: placement.Delivered
// decides, and the targets are those it delivers. (A build secret that
// takes a user secret's target is not in it: build secrets change only
// with a build, which a restart makes anyway.)
func deliveredSet(p placement.Policy, rows []store.Secret, template string) []deliveredSecret {
	out := []deliveredSecret{}
	for _, r := range rows {
		if t, ok := placement.Delivered(p, r.Enabled, r.EnvName, r.FilePath, r.Templates, template); ok {
			out = append(out, deliveredSecret{Name: r.Name, EnvName: t.EnvName, FilePath: t.FilePath, ValueRev: r.ValueRev})
		}
	}
	sortDelivered(out)
	return out
}

func sortDelivered(s []deliveredSecret) {
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
}

// revisionOf is the digest of a delivered set, and its JSON record.
func revisionOf(set []deliveredSecret) (string, []byte) {
	b, _ := json.Marshal(set)
	sum := sha256.Sum256(append([]byte("coder manifest revision v1\n"), b...))
	return hex.EncodeToString(sum[:16]), b
}

// changedSecrets names the secrets whose delivery differs between applied
// and now (sorted): present in one only, or with another target or value
// token.
func changedSecrets(applied, now []deliveredSecret) []string {
	was := map[string]deliveredSecret{}
	for _, d := range applied {
		was[d.Name] = d
	}
	changed := map[string]bool{}
	for _, d := range now {
		if old, ok := was[d.Name]; !ok || old != d {
			changed[d.Name] = true
		}
		delete(was, d.Name)
	}
	for n := range was {
		changed[n] = true
	}
	out := make([]string, 0, len(changed))
	for n := range changed {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// workspaceSecretState fills what the workspace's agents applied against
// what a start would deliver now: RestartNeeded, RestartNeededSecrets and
// StaleFiles. A workspace that is not running, or whose agents reported
// nothing yet, needs no restart.
func (s *Server) workspaceSecretState(ctx context.Context, out *sdk.Workspace, latest store.WorkspaceBuild, ownerID uuid.UUID) error {
	out.RestartNeededSecrets, out.StaleFiles = []string{}, []sdk.StaleFile{}
	if latest.Transition != sdk.TransitionStart || latest.Status != sdk.BuildSucceeded {
		return nil
	}
	applied, err := s.ws.ListAgentApplied(ctx, latest.ID)
	if err != nil || len(applied) == 0 {
		return err
	}
	rows, err := s.store.ListSecrets(ctx, ownerID)
	if err != nil {
		return err
	}
	now := deliveredSet(s.policy(), rows, out.TemplateName)
	changed := map[string]bool{}
	seenStale := map[string]bool{}
	for _, a := range applied {
		var was []deliveredSecret
		if err := json.Unmarshal(a.Delivered, &was); err != nil {
			return err
		}
		for _, n := range changedSecrets(was, now) {
			changed[n] = true
		}
		var stale []sdk.StaleFile
		if len(a.StaleFiles) > 0 {
			if err := json.Unmarshal(a.StaleFiles, &stale); err != nil {
				return err
			}
		}
		for _, f := range stale {
			if !seenStale[f.Path] {
				seenStale[f.Path] = true
				out.StaleFiles = append(out.StaleFiles, f)
			}
		}
	}
	for n := range changed {
		out.RestartNeededSecrets = append(out.RestartNeededSecrets, n)
	}
	sort.Strings(out.RestartNeededSecrets)
	sort.Slice(out.StaleFiles, func(i, j int) bool { return out.StaleFiles[i].Path < out.StaleFiles[j].Path })
	out.RestartNeeded = len(out.RestartNeededSecrets) > 0
	return nil
}

// agentManifestApplied records the revision an agent applied, and its
// stale files.
func (s *Server) agentManifestApplied(w http.ResponseWriter, r *http.Request) {
	a, ws := agentFrom(r.Context())
	var req sdk.AgentManifestAppliedRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.AgentID != uuid.Nil && req.AgentID != a.ID {
		writeError(w, http.StatusConflict, "This report belongs to the agent of an earlier build of the workspace.")
		return
	}
	if req.Revision == "" || len(req.Revision) > 64 {
		writeError(w, http.StatusBadRequest, "A manifest revision is required.", sdk.ValidationError{Field: "revision", Detail: "required"})
		return
	}
	if len(req.StaleFiles) > sdk.MaxStaleFiles {
		writeError(w, http.StatusBadRequest, "Too many stale files in one report.", sdk.ValidationError{Field: "stale_files", Detail: "too many"})
		return
	}
	stale := req.StaleFiles
	if stale == nil {
		stale = []sdk.StaleFile{}
	}
	for _, f := range stale {
		if f.Path == "" || f.Secret == "" || len(f.Path) > 4096 || len(f.Secret) > 1024 {
			writeError(w, http.StatusBadRequest, "A stale file needs a path and a secret name.", sdk.ValidationError{Field: "stale_files", Detail: "invalid entry"})
			return
		}
	}
	b, _ := json.Marshal(stale)
	if len(req.Home) > 4096 {
		writeError(w, http.StatusBadRequest, "The home folder is too long.", sdk.ValidationError{Field: "home", Detail: "too long"})
		return
	}
	err := s.ws.AckManifestRevision(r.Context(), a.ID, req.Revision, b, req.Home, s.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusBadRequest, "This agent was never served a manifest of that revision.", sdk.ValidationError{Field: "revision", Detail: "unknown"})
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("agent applied its manifest", "agent_id", a.ID, "workspace", ws.Name, "revision", req.Revision, "stale_files", len(stale))
	w.WriteHeader(http.StatusNoContent)
}
