package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// Holding an agent's first requests until its build is recorded (see
// server/provisioner/pending.go): instead of a 401 and the agent's retry,
// the request waits, and is authenticated from the store, as any other,
// the moment the build's result is recorded. Only two kinds of request
// are held, both tied to a start build running in this process: a token
// that build's provider announced (a new agent), and the token of an
// earlier build of a workspace whose start build runs (a coder_agent keeps
// its token across builds). Any other token is answered at once. At most
// maxAgentHolds requests wait at a time (more are answered at once, as
// before), each at most maxAgentHold, and a request that goes away stops
// waiting.
const (
	maxAgentHolds = 256
	maxAgentHold  = 20 * time.Second
)

// pendingAgent returns what to wait on for an agent request that the
// store refused (lookup's result): a start build of this process that
// will record it.
func (s *Server) pendingAgent(hash []byte, adm *store.AgentAdmission, err error) (<-chan struct{}, bool) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.prov.PendingToken(hash)
	case err != nil:
		return nil, false
	}
	if adm.LatestBuildID == adm.BuildID || adm.LatestTransition != sdk.TransitionStart || adm.LatestStatus != sdk.BuildRunning || adm.WorkspaceDeleted {
		return nil, false
	}
	return s.prov.BuildDone(adm.LatestBuildID)
}

// holdAgent waits for done and reports whether it came (the caller then
// looks the token up again).
func (s *Server) holdAgent(r *http.Request, done <-chan struct{}) bool {
	select {
	case s.agentHolds <- struct{}{}:
		defer func() { <-s.agentHolds }()
	default:
		return false
	}
	t := time.NewTimer(maxAgentHold)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	case <-r.Context().Done():
		return false
	}
}
