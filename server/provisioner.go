package server

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/provisioner"
)

// setupProvisioner starts the build workers' set-up (see provisioner.New:
// the provider mirror, the agent bootstrap script, this process's build
// folder).
func (s *Server) setupProvisioner() error {
	o := s.opts
	if o.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
		o.Executable = exe
	}
	if o.DataDir == "" {
		return errors.New("a data folder is required to run builds")
	}
	s.opts.Executable = o.Executable
	bins, err := s.agentBinaries()
	if err != nil {
		return err
	}
	p, err := provisioner.New(provisioner.Options{
		AgentBinaries: bins,
		Store:         s.store,
		Logger:        s.logger.With("component", "provisioner"),
		Terraform:     o.Terraform,
		Executable:    o.Executable,
		Supervise:     o.SuperviseBuilds,
		MirrorDir:     filepath.Join(o.DataDir, "terraform"),
		AccessURL:     o.AccessURL,
		WorkDir:       filepath.Join(o.DataDir, "builds"),
		WorkerID:      uuid.NewString(),
		Workers:       o.ProvisionerWorkers,
		BaseEnv:       o.BaseEnv,
		ExtraEnv:      o.TerraformExtraEnv,
		SingleProcess: o.SingleProcess,
		OnBuildDone:   s.metrics.buildDone,
		Policy:        s.policy(),
	})
	if err != nil {
		return err
	}
	s.opts.Executable = o.Executable
	s.prov = p
	return nil
}

func (s *Server) wakeProvisioner() {
	if s.prov != nil {
		s.prov.Wake()
	}
}

// needProvisioner wraps routes that need Terraform.
func (s *Server) needProvisioner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.prov == nil {
			writeError(w, http.StatusServiceUnavailable, "This server has no Terraform, so it cannot run workspace builds. Install terraform on the server's PATH (or run `make terraform`), or start the server with --terraform-path.")
			return
		}
		next.ServeHTTP(w, r)
	})
}
