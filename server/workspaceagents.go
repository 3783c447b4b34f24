package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// getWorkspaceAgent answers the agent of the workspace's latest build. With
// ?changed_from=KEY it answers once the agent's state key differs from KEY
// (a new agent, its connection, its lifecycle state), or unchanged after
// ?wait_ms (default and at most sdk.MaxAgentWait), or when the server
// stops: a change this process makes wakes it at once, and it reads the
// agent again every agentWaitPoll (agentWaitPollEvery, under many held
// requests) for changes that reach another server process.
func (s *Server) getWorkspaceAgent(w http.ResponseWriter, r *http.Request) {
	_, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	from := r.URL.Query().Get("changed_from")
	wait := sdk.MaxAgentWait
	if v := r.URL.Query().Get("wait_ms"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 1 || ms > sdk.MaxAgentWait.Milliseconds() {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("wait_ms must be a whole number of milliseconds from 1 to %d.", sdk.MaxAgentWait.Milliseconds()),
				sdk.ValidationError{Field: "wait_ms", Detail: "out of range"})
			return
		}
		wait = time.Duration(ms) * time.Millisecond
	}
	ctx, stopping := r.Context(), s.baseCtx(r).Done()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	s.agentWaits.Add(1)
	defer s.agentWaits.Add(-1)
	var watched uuid.UUID
	for {
		// Watched before the read, so that a change between the read and
		// the wait wakes it (the first read tells which agent to watch).
		changed, release := s.agentWake.Watch(watched)
		out, ok := s.workspaceAgentView(w, r, ws)
		if !ok {
			release()
			return
		}
		if from == "" || out.StateKey != from {
			release()
			writeJSON(w, http.StatusOK, out)
			return
		}
		if watched != out.ID {
			// The first read: watch this agent and read it again.
			release()
			watched = out.ID
			continue
		}
		poll := time.NewTimer(agentWaitPollEvery(int(s.agentWaits.Load())))
		select {
		case <-changed:
		case <-poll.C:
		case <-deadline.C:
			from = "" // answer what the next read says
		case <-stopping:
			from = "" // the server stops: do not hold its shutdown
		case <-ctx.Done():
		}
		poll.Stop()
		release()
		if ctx.Err() != nil {
			return
		}
	}
}

// agentWaitPoll is how often a held agent request reads the agent again
// for a change that no wake of this process announced (one that reached
// another server process).
const agentWaitPoll = 100 * time.Millisecond

// agentWaitPollEvery is that interval while waiting requests are held by
// this process: agentWaitPoll up to 100 of them, then longer in proportion
// (a millisecond per request), so that however many requests a client
// holds, they make this process read about 1,000 agents a second at most.
func agentWaitPollEvery(waiting int) time.Duration {
	return max(agentWaitPoll, time.Duration(waiting)*time.Millisecond)
}

// workspaceAgentView is the latest build's agent as its owner sees it.
func (s *Server) workspaceAgentView(w http.ResponseWriter, r *http.Request, ws store.Workspace) (sdk.WorkspaceAgent, bool) {
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return sdk.WorkspaceAgent{}, false
	}
	out := sdk.WorkspaceAgent{ID: a.ID, Name: a.Name, LifecycleState: a.LifecycleState, LastSeenAt: a.LastConnected}
	// Connected here, or to another server process.
	out.Connected = s.agents.Connected(r.Context(), a.ID)
	out.StateKey = agentStateKey(out)
	return out, true
}

// agentStateKey is what WorkspaceAgent.StateKey says: the agent, its
// connection and its lifecycle state.
func agentStateKey(a sdk.WorkspaceAgent) string {
	c := "disconnected"
	if a.Connected {
		c = "connected"
	}
	return a.ID.String() + "." + c + "." + a.LifecycleState
}

func (s *Server) latestAgent(w http.ResponseWriter, r *http.Request, ws store.Workspace) (store.WorkspaceAgent, bool) {
	b, err := s.ws.GetLatestBuild(r.Context(), ws.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return store.WorkspaceAgent{}, false
	}
	agents, err := s.ws.ListAgentsByBuild(r.Context(), b.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return store.WorkspaceAgent{}, false
	}
	if len(agents) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q has no agent in its latest build.", ws.Name))
		return store.WorkspaceAgent{}, false
	}
	return agents[0], true
}

func (s *Server) getWorkspaceAgentLogs(w http.ResponseWriter, r *http.Request) {
	_, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return
	}
	logs, err := s.ws.ListAgentLogs(r.Context(), a.ID, 0)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]sdk.AgentLog, 0, len(logs))
	for _, l := range logs {
		out = append(out, sdk.AgentLog{CreatedAt: l.CreatedAt, Level: l.Level, Output: l.Output, Source: l.Source})
	}
	writeJSON(w, http.StatusOK, out)
}
