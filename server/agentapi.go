package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/server/agenttoken"
	"github.com/usersecrets/coder/server/store"
)

const ctxAgentRequest ctxKey = 100

// agentRequest is what agentAuth admitted, in the request's context (one
// value: every copy of the record in a context or a frame cost memory).
type agentRequest struct {
	auth   *store.AgentAuth
	opener sealedAgentAuth // set while auth.Agent's config is still sealed
}

// opened returns the admitted record with the agent's config opened
// (once, on first use; a request is served on one goroutine).
func (q *agentRequest) opened() *store.AgentAuth {
	if q.opener != nil {
		q.opener.OpenAgentConfig(&q.auth.Agent)
		q.opener = nil
	}
	return q.auth
}

// sealedAgentAuth is the encryption decorator's (store/cryptstore) agent
// lookup that leaves the agent's config sealed until OpenAgentConfig: a
// manifest served from memory does not read it.
type sealedAgentAuth interface {
	GetAgentAuthSealed(ctx context.Context, hash []byte) (*store.AgentAuth, error)
	OpenAgentConfig(a *store.WorkspaceAgent)
}

// getAgentAuth looks the token's hash up, its config sealed if the store
// can leave it so (opener is then what opens it).
func (s *Server) getAgentAuth(ctx context.Context, hash []byte) (auth *store.AgentAuth, opener sealedAgentAuth, err error) {
	if sa, ok := s.ws.(sealedAgentAuth); ok {
		auth, err = sa.GetAgentAuthSealed(ctx, hash)
		return auth, sa, err
	}
	auth, err = s.ws.GetAgentAuth(ctx, hash)
	return auth, nil, err
}

// agentAuth admits an agent token only while its agent belongs to the
// latest build of its workspace and that build started the workspace
// (admitAgent), with the whole record in the request's context.
func (s *Server) agentAuth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hash, ok := agentTokenHash(w, r)
		if !ok {
			return
		}
		// One query: the agent, its workspace, the latest build and the
		// owner (the manifest's user).
		q, ok := admitAgent(s, w, r, hash, func() (*agentRequest, *store.AgentAdmission, error) {
			auth, opener, err := s.getAgentAuth(r.Context(), hash)
			if err != nil {
				return nil, nil, err
			}
			adm := auth.Admission()
			return &agentRequest{auth: auth, opener: opener}, &adm, nil
		})
		if !ok {
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxAgentRequest, q)))
	})
}

// agentTokenHash is the hash of the request's agent token; without one it
// answers 401.
func agentTokenHash(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	token := r.Header.Get(sdk.AgentTokenHeader)
	if token == "" {
		writeError(w, http.StatusUnauthorized, "An agent token is required in the "+sdk.AgentTokenHeader+" header.")
		return nil, false
	}
	return agenttoken.Hash(token), true
}

// admitAgent looks the token's hash up with lookup (again after holding a
// token whose build is being recorded, agentpending.go) and returns what
// it read if the agent belongs to the latest build of its workspace and
// that build started the workspace. Anything else gets 401 or 403, and no
// secret.
func admitAgent[T any](s *Server, w http.ResponseWriter, r *http.Request, hash []byte, lookup func() (T, *store.AgentAdmission, error)) (T, bool) {
	v, adm, err := lookup()
	if done, ok := s.pendingAgent(hash, adm, err); ok && s.holdAgent(r, done) {
		v, adm, err = lookup()
	}
	var zero T
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, "The agent token is not known. It is recorded when the workspace's build finishes.")
		return zero, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return zero, false
	}
	switch {
	case adm.WorkspaceDeleted:
		s.mcache.drop(adm.AgentID)
		writeError(w, http.StatusForbidden, "The agent's workspace was deleted.")
		return zero, false
	case adm.LatestBuildID != adm.BuildID && adm.LatestTransition == sdk.TransitionStart &&
		(adm.LatestStatus == sdk.BuildPending || adm.LatestStatus == sdk.BuildRunning):
		// The token of an earlier build (a coder_agent keeps its token)
		// whose workspace is starting again: the start build records
		// the agent when it ends. 401, as for a token not recorded yet,
		// so that the agent asks again soon rather than backs off.
		writeError(w, http.StatusUnauthorized, "The workspace is starting: the agent is recorded when its build finishes.")
		return zero, false
	case adm.LatestBuildID != adm.BuildID:
		s.mcache.drop(adm.AgentID)
		writeError(w, http.StatusForbidden, "This agent does not belong to the workspace's latest build.")
		return zero, false
	case adm.LatestTransition != sdk.TransitionStart || adm.LatestStatus != sdk.BuildSucceeded:
		s.mcache.drop(adm.AgentID)
		writeError(w, http.StatusForbidden, "The workspace is not started.")
		return zero, false
	}
	return v, true
}

// agentFrom returns the admitted agent, its config opened, and its
// workspace.
func agentFrom(ctx context.Context) (store.WorkspaceAgent, store.Workspace) {
	auth := ctx.Value(ctxAgentRequest).(*agentRequest).opened()
	return auth.Agent, auth.Workspace
}

// manifest builds what an agent gets: its template env and scripts, and
// the owner's secrets that reach the workspace and the build's secrets
// (placement.Merge), as stored now, as its JSON body. It records the
// manifest's revision for the agent unless the agent's previous manifest
// in this process had that revision already (recorded then).
func (s *Server) manifest(ctx context.Context, auth *store.AgentAuth) ([]byte, string, int, error) {
	a, ws := auth.Agent, auth.Workspace
	m, set, err := s.buildManifest(ctx, a, ws, auth.Owner, auth.TemplateName)
	if err != nil {
		return nil, "", 0, err
	}
	var rec []byte
	m.Revision, rec = revisionOf(set)
	if prev, ok := s.mcache.previous(a.ID); !ok || prev != m.Revision {
		if err := s.ws.RecordManifestRevision(ctx, a.ID, m.Revision, rec, s.now()); err != nil {
			return nil, "", 0, err
		}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, "", 0, err
	}
	return body, m.Revision, len(m.Secrets), nil
}

// buildManifest is the manifest, without its revision, and what it
// delivers: the revision covers what placement.Delivered lets through, a
// secret whose value does not open included (a restart does not mend it).
func (s *Server) buildManifest(ctx context.Context, a store.WorkspaceAgent, ws store.Workspace, owner store.User, template string) (sdk.AgentManifest, []deliveredSecret, error) {
	// A config that does not open (its row or the keys were altered) fails
	// alone: the manifest says so and still carries the secrets.
	var problems []string
	if a.ConfigErr != nil {
		s.logger.Error("an agent's sealed config does not open", "agent_id", a.ID, "workspace_id", ws.ID, "key_id", a.ConfigKeyID)
		problems = append(problems, "The template's settings for this agent (directory, env, scripts) cannot be opened: its stored row or the server's keys were altered. Restart the workspace to record them again.")
	}
	m := sdk.AgentManifest{
		AgentID: a.ID, AgentName: a.Name, WorkspaceID: ws.ID, WorkspaceName: ws.Name,
		OwnerName: owner.Username, BuildID: a.BuildID, Directory: a.Directory, MOTDFile: a.MOTDFile,
		Env: []sdk.EnvVar{}, Scripts: []sdk.AgentScript{}, Secrets: []sdk.WorkspaceSecret{}, Problems: problems,
	}
	if len(a.Env) > 0 {
		if err := json.Unmarshal(a.Env, &m.Env); err != nil {
			return m, nil, err
		}
	}
	if len(a.Scripts) > 0 {
		if err := json.Unmarshal(a.Scripts, &m.Scripts); err != nil {
			return m, nil, err
		}
	}
	apps, err := decodeApps(a)
	if err != nil {
		return m, nil, err
	}
	m.Apps = apps
	// A secret whose value does not open is left out, named in Problems;
	// the others are delivered, the agent's build's secrets beating the
	// owner's user secrets per target, under the deployment's policy
	// (placement.Merge).
	d, err := s.delivery(ctx, ws.OwnerID, a.BuildID, template)
	if err != nil {
		return m, nil, err
	}
	m.Problems = append(m.Problems, d.Problems...)
	if d.Secrets != nil {
		m.Secrets = d.Secrets
	}
	return m, deliveredSet(s.policy(), d.Rows, template), nil
}

// agentManifest serves the agent's manifest from memory while it is
// current (manifestcache.go), else builds and caches it. It admits the
// token with the narrower admission query, which is all a cache hit
// reads; a miss reads the whole record and admits it again (it may have
// changed in between).
func (s *Server) agentManifest(w http.ResponseWriter, r *http.Request) {
	hash, ok := agentTokenHash(w, r)
	if !ok {
		return
	}
	adm, ok := admitAgent(s, w, r, hash, func() (*store.AgentAdmission, *store.AgentAdmission, error) {
		adm, err := s.ws.GetAgentAdmission(r.Context(), hash)
		return adm, adm, err
	})
	if !ok {
		return
	}
	if e := s.mcache.get(s.manifestKey(adm)); e != nil {
		defer s.mcache.release(e)
		s.logger.Debug("agent fetched its manifest", "agent_id", adm.AgentID, "workspace", adm.WorkspaceName, "secrets", e.secrets, "cached", true)
		writeBody(w, e.body)
		return
	}
	q, ok := admitAgent(s, w, r, hash, func() (*agentRequest, *store.AgentAdmission, error) {
		auth, opener, err := s.getAgentAuth(r.Context(), hash)
		if err != nil {
			return nil, nil, err
		}
		adm = new(store.AgentAdmission)
		*adm = auth.Admission()
		return &agentRequest{auth: auth, opener: opener}, adm, nil
	})
	if !ok {
		return
	}
	k := s.manifestKey(adm)
	body, rev, n, err := s.manifest(r.Context(), q.opened())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("agent fetched its manifest", "agent_id", adm.AgentID, "workspace", adm.WorkspaceName, "secrets", n)
	writeBody(w, body)
	s.mcache.put(k, body, rev, n)
}

// manifestKey is what the admitted agent's manifest is built from now.
func (s *Server) manifestKey(adm *store.AgentAdmission) manifestKey {
	return manifestKey{agentID: adm.AgentID, buildID: adm.BuildID, workspace: adm.WorkspaceName, owner: adm.OwnerName,
		template: adm.TemplateName, policy: s.policy(), secretsGeneration: adm.SecretsGeneration}
}

// writeBody answers 200 with a JSON body as writeJSON would.
func writeBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Server) agentLifecycle(w http.ResponseWriter, r *http.Request) {
	a, ws := agentFrom(r.Context())
	var req sdk.AgentLifecycleRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.AgentID != uuid.Nil && req.AgentID != a.ID {
		writeError(w, http.StatusConflict, "This report belongs to the agent of an earlier build of the workspace.")
		return
	}
	switch req.State {
	case sdk.LifecycleCreated, sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleStartError, sdk.LifecycleShutdown, sdk.LifecycleOff:
	default:
		writeError(w, http.StatusBadRequest, "Unknown lifecycle state.", sdk.ValidationError{Field: "state", Detail: "unknown"})
		return
	}
	if err := s.ws.UpdateAgentLifecycle(r.Context(), a.ID, req.State); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.agentWake.Notify(a.ID)
	s.logger.Info("agent lifecycle", "agent_id", a.ID, "workspace", ws.Name, "state", req.State)
	w.WriteHeader(http.StatusNoContent)
}

// maxAgentLogLines bounds one upload.
const maxAgentLogLines = 1000

func (s *Server) agentLogs(w http.ResponseWriter, r *http.Request) {
	a, ws := agentFrom(r.Context())
	var req sdk.AgentLogsRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.AgentID != uuid.Nil && req.AgentID != a.ID {
		writeError(w, http.StatusConflict, "These logs belong to the agent of an earlier build of the workspace.")
		return
	}
	if len(req.Logs) > maxAgentLogLines {
		writeError(w, http.StatusBadRequest, "Too many log lines in one request.")
		return
	}
	// The agent redacts already; redact again here so a value never lands
	// in the database, whatever the agent did.
	// Every value of the owner's and of the agent's build's secrets.
	d, err := s.delivery(r.Context(), ws.OwnerID, a.BuildID, "")
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	vals := d.Values
	// Each source's lines are one stream, so a value that spans lines is
	// masked too.
	rd := redact.New(vals)
	logs := make([]store.AgentLog, len(req.Logs))
	streams := map[string]*redact.Stream[int]{}
	for i, l := range req.Logs {
		at := l.CreatedAt
		if at.IsZero() {
			at = s.now()
		}
		logs[i] = store.AgentLog{AgentID: a.ID, CreatedAt: at.UTC(), Level: l.Level, Source: l.Source}
		st := streams[l.Source]
		if st == nil {
			st = redact.NewStream(rd, func(line string, i int) { logs[i].Output = line })
			streams[l.Source] = st
		}
		st.Line(l.Output, i)
	}
	for _, st := range streams {
		st.Close()
	}
	if err := s.ws.InsertAgentLogs(r.Context(), logs); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// agentRPC upgrades to a websocket that stays open while the agent is
// connected (see agentconn.Hub.Serve).
func (s *Server) agentRPC(w http.ResponseWriter, r *http.Request) {
	a, ws := agentFrom(r.Context())
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(-1)
	ctx, cancel := context.WithCancel(s.baseCtx(r))
	defer cancel()
	s.agents.Serve(ctx, a.ID, ws.Name, websocket.NetConn(ctx, c, websocket.MessageBinary))
}
