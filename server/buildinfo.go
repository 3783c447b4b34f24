package server

import (
	"net/http"

	"github.com/usersecrets/coder/sdk"
)

func (s *Server) buildInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, sdk.BuildInfo{Version: s.opts.Version})
}
