package agentconn

import (
	"io"
	"log"

	"github.com/hashicorp/yamux"
)

// quietYamux sends yamux's own logging nowhere: it would only repeat
// connection errors the server already reports.
func quietYamux(cfg *yamux.Config) *yamux.Config {
	cfg.LogOutput = nil
	cfg.Logger = log.New(io.Discard, "", 0)
	return cfg
}
