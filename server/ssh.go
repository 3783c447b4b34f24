package server

import (
	"context"
	"net/http"

	"github.com/coder/websocket"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/agentconn"
)

// workspaceSSH relays a client's SSH connection to the workspace's agent:
// the client's websocket on one side, a new stream on the agent's
// connection on the other. Only the workspace's owner gets here, and only
// while the workspace is started.
func (s *Server) workspaceSSH(w http.ResponseWriter, r *http.Request) {
	me, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	b, err := s.ws.GetLatestBuild(r.Context(), ws.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if b.Transition != sdk.TransitionStart || b.Status != sdk.BuildSucceeded {
		writeError(w, http.StatusConflict, "Workspace \""+ws.Name+"\" is not running: start it with `coder start "+ws.Name+"`.")
		return
	}
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return
	}
	stream, err := s.agents.Dial(r.Context(), a.ID)
	if err != nil {
		writeError(w, http.StatusBadGateway, "The workspace's agent is not connected yet. If the workspace just started, try again in a moment.")
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		stream.Close()
		return
	}
	c.SetReadLimit(-1)
	ctx, cancel := context.WithCancel(s.baseCtx(r))
	defer cancel()
	nc := websocket.NetConn(ctx, c, websocket.MessageBinary)
	s.logger.Info("ssh session opened", "user", me.Username, "workspace", ws.Name)
	agentconn.Pipe(nc, stream)
	s.logger.Info("ssh session closed", "user", me.Username, "workspace", ws.Name)
}
