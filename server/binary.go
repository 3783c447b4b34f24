package server

import (
	"fmt"
	"net/http"
	"os"

	"github.com/usersecrets/coder/server/provisioner"
)

// serveBinary serves this binary as the agent for its own platform.
func (s *Server) serveBinary(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "coder-"+provisioner.AgentPlatform {
		writeError(w, http.StatusNotFound, fmt.Sprintf("This server has the agent binary for %s only: /bin/coder-%s.", provisioner.AgentPlatform, provisioner.AgentPlatform))
		return
	}
	exe := s.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			s.writeInternal(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeFile(w, r, exe)
}
