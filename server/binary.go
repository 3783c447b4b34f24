package server

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/usersecrets/coder/server/provisioner"
)

// agentBinaries finds the agent binaries (this one, and those of
// Options.AgentBinariesDir) and checksums them, once.
func (s *Server) agentBinaries() (map[string]provisioner.AgentBinary, error) {
	s.agentBinsOnce.Do(func() {
		exe := s.opts.Executable
		if exe == "" {
			var err error
			if exe, err = os.Executable(); err != nil {
				s.agentBinsErr = fmt.Errorf("find this binary: %w", err)
				return
			}
		}
		s.agentBins, s.agentBinsErr = provisioner.FindAgentBinaries(exe, s.opts.AgentBinariesDir)
		if s.agentBinsErr == nil {
			var ps []string
			for p := range s.agentBins {
				ps = append(ps, p)
			}
			sort.Strings(ps)
			s.logger.Info("agent binaries", "platforms", strings.Join(ps, " "), "dir", s.opts.AgentBinariesDir)
		}
	})
	return s.agentBins, s.agentBinsErr
}

// serveBinary serves an agent binary, /bin/coder-<os>-<arch>[.exe], or its
// SHA-256 checksum, the same name with .sha256 (`<hex>  <name>`, as
// sha256sum writes it); the binary's answer also carries the checksum in
// X-Checksum-Sha256.
func (s *Server) serveBinary(w http.ResponseWriter, r *http.Request) {
	bins, err := s.agentBinaries()
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	name := r.PathValue("file")
	base, sum := strings.CutSuffix(name, ".sha256")
	var files []string
	for _, b := range bins {
		files = append(files, "/bin/"+b.File)
		if b.File != base {
			continue
		}
		if sum {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprintf(w, "%s  %s\n", b.SHA256, b.File)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Checksum-Sha256", b.SHA256)
		http.ServeFile(w, r, b.Path)
		return
	}
	sort.Strings(files)
	writeError(w, http.StatusNotFound, fmt.Sprintf("This server has no agent binary %q; it has %s (each with .sha256 for its checksum).", name, strings.Join(files, ", ")))
}
