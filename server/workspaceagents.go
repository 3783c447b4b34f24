package server

import (
	"fmt"
	"net/http"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

func (s *Server) getWorkspaceAgent(w http.ResponseWriter, r *http.Request) {
	_, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return
	}
	out := sdk.WorkspaceAgent{ID: a.ID, Name: a.Name, LifecycleState: a.LifecycleState, LastSeenAt: a.LastConnected}
	// Connected here, or to another server process.
	out.Connected = s.agents.Connected(r.Context(), a.ID)
	writeJSON(w, http.StatusOK, out)
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
