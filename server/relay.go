package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/agentconn"
)

// relayAgent is the internal route another process uses to reach an agent
// connected here (see agentconn).
func (s *Server) relayAgent(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("agent"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Agent id must be a UUID.")
		return
	}
	switch err := s.agents.CheckRelay(id, r.Header); {
	case errors.Is(err, agentconn.ErrRelayReplayed):
		writeError(w, http.StatusForbidden, "This relay request was already used.")
		return
	case err != nil:
		writeError(w, http.StatusForbidden, "Relay requests come only from server processes that share this server's keys.")
		return
	}
	if !s.agents.ConnectedHere(id) {
		writeError(w, http.StatusBadGateway, "The agent is not connected to this server.")
		return
	}
	stream, err := s.agents.OpenHere(id)
	if err != nil {
		writeError(w, http.StatusBadGateway, "The agent's connection closed.")
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
	agentconn.Pipe(websocket.NetConn(ctx, c, websocket.MessageBinary), stream)
}
