package server

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/provisioner"
	"github.com/usersecrets/coder/server/store"
)

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
	p, err := provisioner.New(provisioner.Options{
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
	})
	if err != nil {
		return err
	}
	s.opts.Executable = o.Executable
	s.prov = p
	return nil
}

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
