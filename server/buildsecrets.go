package server

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"sort"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// policy is the deployment's delivery policy, which placement.Ships
// applies.
func (s *Server) policy() placement.Policy {
	return placement.Policy{FileDeliveryDisabled: s.opts.DisableUserSecretFileDelivery}
}

// fileDeliveryDisabledMsg is the refusal of a file target under the policy.
const fileDeliveryDisabledMsg = "This deployment disables file delivery of secrets (coder server --disable-user-secret-file-delivery): a secret cannot have a file target. Use an environment variable target (env_name) instead."

// refuseFileTarget answers 400 when the policy disables file delivery and
// a request sets a file target; it reports whether it did.
func (s *Server) refuseFileTarget(w http.ResponseWriter, field, filePath string) bool {
	if filePath == "" || !s.opts.DisableUserSecretFileDelivery {
		return false
	}
	writeError(w, http.StatusBadRequest, fileDeliveryDisabledMsg,
		sdk.ValidationError{Field: field, Detail: "file delivery is disabled on this deployment"})
	return true
}

// secretCapabilities answers any signed-in user with what the deployment
// delivers.
func (s *Server) secretCapabilities(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, sdk.UserSecretCapabilities{FilePathDeliveryEnabled: !s.opts.DisableUserSecretFileDelivery})
}

// nextBuildSecrets computes the whole set of build secrets of a build that
// follows last (nil for a workspace's first build), numbered number: the
// non-ephemeral secrets of last, then req applied by name (a value sets or
// replaces, null removes). A delete build records none. It answers 400 and
// returns false for a request it refuses. The values of the set are
// plaintext, for the store's encryption decorator.
func (s *Server) nextBuildSecrets(w http.ResponseWriter, r *http.Request, last *store.WorkspaceBuild, transition string, number int, req []sdk.BuildSecret) ([]store.BuildSecret, bool) {
	if len(req) > 0 && transition != sdk.TransitionStart {
		writeError(w, http.StatusBadRequest, "Build secrets go only with the start transition.",
			sdk.ValidationError{Field: "secrets", Detail: "only for start"})
		return nil, false
	}
	if v := sdk.ValidateBuildSecrets(req); len(v) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid build secret: "+v[0].Detail+".", v...)
		return nil, false
	}
	for i, b := range req {
		if b.Value != nil && s.refuseFileTarget(w, fmt.Sprintf("secrets[%d].file_path", i), b.FilePath) {
			return nil, false
		}
	}
	set := map[string]store.BuildSecret{}
	if last != nil {
		prev, err := s.ws.ListBuildSecretsWithValues(r.Context(), last.ID)
		if err != nil {
			s.writeInternal(w, r, err)
			return nil, false
		}
		for _, p := range prev {
			if p.Ephemeral {
				continue
			}
			if p.ValueErr != nil {
				s.logger.Warn("a build secret's value does not open; it is not carried", "build_id", last.ID, "secret", p.Name)
				continue
			}
			set[p.Name] = store.BuildSecret{
				Name: p.Name, EnvName: p.EnvName, FilePath: p.FilePath, SetBuildNumber: p.SetBuildNumber,
				Value: p.Value, CreatedAt: p.CreatedAt,
			}
		}
	}
	now := s.now().UTC()
	for i, b := range req {
		name := sdk.NormalizeSecretName(b.Name)
		if b.Value == nil {
			if _, ok := set[name]; !ok {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("There is no build secret %q to remove: the workspace's last build carries none of that name.", name),
					sdk.ValidationError{Field: fmt.Sprintf("secrets[%d].value", i), Detail: "nothing to remove"})
				return nil, false
			}
			delete(set, name)
			continue
		}
		set[name] = store.BuildSecret{
			Name: name, EnvName: b.EnvName, FilePath: b.FilePath, Ephemeral: b.Ephemeral,
			SetBuildNumber: number, Value: *b.Value, CreatedAt: now,
		}
	}
	if transition == sdk.TransitionDelete {
		return nil, true
	}
	out := make([]store.BuildSecret, 0, len(set))
	for _, b := range set {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > sdk.MaxBuildSecrets {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The build would hold %d build secrets with those carried from the last build; at most %d are allowed. Remove some (a null value).", len(out), sdk.MaxBuildSecrets),
			sdk.ValidationError{Field: "secrets", Detail: "too many build secrets"})
		return nil, false
	}
	// The per-user byte limits bound one build's secrets too: env targets
	// land in every session's environment.
	total, envTotal := 0, 0
	for _, b := range out {
		total += len(b.Value.Reveal())
		if b.EnvName != "" {
			envTotal += len(b.Value.Reveal())
		}
	}
	if max := s.opts.Limits.MaxTotalValueBytes; max > 0 && total > max {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The build's secrets would hold %d bytes of values; the limit is %d bytes.", total, max),
			sdk.ValidationError{Field: "secrets", Detail: store.LimitTotalBytes + " limit exceeded"})
		return nil, false
	}
	if max := s.opts.Limits.MaxEnvValueBytes; max > 0 && envTotal > max {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The build's secrets with an environment variable target would hold %d bytes of values; the limit is %d bytes.", envTotal, max),
			sdk.ValidationError{Field: "secrets", Detail: store.LimitEnvBytes + " limit exceeded"})
		return nil, false
	}
	// Build secrets never share a target among themselves.
	envs, files := map[string]string{}, map[string]string{}
	for _, b := range out {
		if b.EnvName != "" {
			if other, ok := envs[b.EnvName]; ok {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("Build secrets %q and %q both target the environment variable %s; give them distinct targets.", other, b.Name, b.EnvName),
					sdk.ValidationError{Field: "secrets", Detail: "env_name used twice"})
				return nil, false
			}
			envs[b.EnvName] = b.Name
		}
		if b.FilePath != "" {
			key := path.Clean(b.FilePath)
			if other, ok := files[key]; ok {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("Build secrets %q and %q both target the file %s; give them distinct targets.", other, b.Name, b.FilePath),
					sdk.ValidationError{Field: "secrets", Detail: "file_path used twice"})
				return nil, false
			}
			files[key] = b.Name
		}
	}
	return out, true
}

func userCandidates(rows []store.Secret) []placement.Candidate {
	out := make([]placement.Candidate, 0, len(rows))
	for _, p := range rows {
		out = append(out, placement.Candidate{Name: p.Name, Enabled: p.Enabled, EnvName: p.EnvName, FilePath: p.FilePath, Value: p.Value,
			Templates: p.Templates, Refresh: p.Refresh})
	}
	return out
}

func buildCandidates(rows []store.BuildSecret) []placement.Candidate {
	out := make([]placement.Candidate, 0, len(rows))
	for _, b := range rows {
		out = append(out, placement.Candidate{Name: b.Name, Enabled: true, EnvName: b.EnvName, FilePath: b.FilePath, Value: b.Value})
	}
	return out
}

// delivered is what lands in a workspace (see delivery).
type delivered struct {
	placement.Delivery
	// Problems are for the owner: values that do not open, of secrets
	// that would be delivered.
	Problems []string
	// Values are every value opened, delivered or not (for redaction).
	Values []sdk.SecretValue
	// Rows are the owner's user secrets as stored, with values (those
	// that do not open included).
	Rows []store.Secret
}

// delivery is what lands in the workspace of template whose agent belongs
// to buildID (uuid.Nil: none), with values: the owner's user secrets and
// the build's secrets through placement.Merge under the policy.
func (s *Server) delivery(ctx context.Context, ownerID, buildID uuid.UUID, template string) (delivered, error) {
	rows, err := s.store.ListSecretsWithValues(ctx, ownerID)
	if err != nil {
		return delivered{}, err
	}
	out := delivered{Rows: rows}
	var user []store.Secret
	for _, p := range rows {
		if p.ValueErr != nil {
			if _, ok := placement.Delivered(s.policy(), p.Enabled, p.EnvName, p.FilePath, p.Templates, template); ok {
				out.Problems = append(out.Problems, cryptstore.ValueProblem(p))
			}
			continue
		}
		out.Values = append(out.Values, p.Value)
		user = append(user, p)
	}
	var build []store.BuildSecret
	if buildID != uuid.Nil {
		bs, err := s.ws.ListBuildSecretsWithValues(ctx, buildID)
		if err != nil {
			return delivered{}, err
		}
		for _, b := range bs {
			if b.ValueErr != nil {
				out.Problems = append(out.Problems, cryptstore.BuildSecretProblem(b))
				continue
			}
			out.Values = append(out.Values, b.Value)
			build = append(build, b)
		}
	}
	out.Delivery = placement.Merge(s.policy(), template, userCandidates(user), buildCandidates(build))
	return out, nil
}

// getBuildSecrets lists a build's build secrets (metadata) with the user
// secret targets each one takes, against the owner's user secrets as they
// are now (what the build's agent gets on its next manifest fetch).
func (s *Server) getBuildSecrets(w http.ResponseWriter, r *http.Request) {
	b, ok := s.lookupBuild(w, r)
	if !ok {
		return
	}
	me := userFrom(r.Context())
	rows, err := s.ws.ListBuildSecrets(r.Context(), b.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	user, err := s.store.ListSecrets(r.Context(), me.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	ws, err := s.ws.GetWorkspaceByID(r.Context(), b.WorkspaceID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	t, err := s.ws.GetTemplateByID(r.Context(), ws.TemplateID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	d := placement.Merge(s.policy(), t.Name, userCandidates(user), buildCandidates(rows))
	out := make([]sdk.WorkspaceBuildSecret, 0, len(rows))
	for _, row := range rows {
		t, ok := placement.Ships(s.policy(), true, row.EnvName, row.FilePath)
		x := sdk.WorkspaceBuildSecret{
			Name: row.Name, EnvName: row.EnvName, FilePath: row.FilePath, Ephemeral: row.Ephemeral,
			SetInBuild: row.SetBuildNumber, CreatedAt: row.CreatedAt,
			Delivered: ok && t == placement.Target{EnvName: row.EnvName, FilePath: row.FilePath}, Replaces: []sdk.BuildSecretReplacement{},
		}
		for _, rp := range d.Replaced {
			if rp.Build == row.Name {
				x.Replaces = append(x.Replaces, sdk.BuildSecretReplacement{UserSecret: rp.User, Target: rp.Target, EnvName: rp.EnvName, FilePath: rp.FilePath})
			}
		}
		out = append(out, x)
	}
	writeJSON(w, http.StatusOK, out)
}
