package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// Live file refresh (issue 16): when a secret whose refresh mode is live
// changes, the server pushes a manifest to the agents of the owner's
// running workspaces over their existing connection (through the relay
// when the agent is connected to another server process), and each agent
// rewrites the files of the live secrets in place. Environment variables
// are left as they are: they apply at the next start.

// pushTimeout bounds one round of pushes.
const pushTimeout = 30 * time.Second

// pushLive pushes, in the background, a manifest to every running agent
// of owner whose live secrets differ from what it applied.
func (s *Server) pushLive(owner store.User) {
	ctx, cancel := context.WithTimeout(s.baseCtx(nil), pushTimeout)
	go func() {
		defer cancel()
		s.pushMu.Lock()
		defer s.pushMu.Unlock()
		if err := s.pushLiveNow(ctx, owner); err != nil {
			s.logger.Warn("push live secret files", "user", owner.Username, "error", err)
		}
	}()
}

// liveFileOnly says whether a delivered secret is refreshed live in ws:
// its refresh mode or the workspace's is live, and its only target a file
// (an env value applies at the next start only, so a secret with one
// still needs a restart).
func liveFileOnly(r store.Secret, ws store.Workspace) bool {
	return (r.Refresh == sdk.RefreshLive || ws.SecretRefresh == sdk.RefreshLive) && r.FilePath != "" && r.EnvName == ""
}

// pushAfterSecretChange pushes when a secret write may change what a
// running workspace refreshes live: the secret is or was live, or it is
// or was file-only and one of the owner's workspaces refreshes live.
func (s *Server) pushAfterSecretChange(ctx context.Context, owner store.User, before, after store.Secret) {
	if before.Refresh == sdk.RefreshLive || after.Refresh == sdk.RefreshLive {
		s.pushLive(owner)
		return
	}
	fileOnly := func(r store.Secret) bool { return r.FilePath != "" && r.EnvName == "" }
	if !fileOnly(before) && !fileOnly(after) {
		return
	}
	list, err := s.ws.ListWorkspaces(ctx, owner.ID)
	if err != nil {
		s.logger.Warn("list workspaces for a live push", "user", owner.Username, "error", err)
		return
	}
	for _, ws := range list {
		if ws.SecretRefresh == sdk.RefreshLive {
			s.pushLive(owner)
			return
		}
	}
}

// withLive is applied with each live file-only secret of now in the state
// it has now: what an agent that applied applied holds after a push.
func withLive(applied, now []deliveredSecret, live map[string]bool) []deliveredSecret {
	out := []deliveredSecret{}
	seen := map[string]bool{}
	byName := map[string]deliveredSecret{}
	for _, d := range now {
		byName[d.Name] = d
	}
	for _, d := range applied {
		seen[d.Name] = true
		if n, ok := byName[d.Name]; ok && live[d.Name] {
			d = n
		}
		out = append(out, d)
	}
	for _, d := range now {
		if live[d.Name] && !seen[d.Name] {
			out = append(out, d)
		}
	}
	sortDelivered(out)
	return out
}

func (s *Server) pushLiveNow(ctx context.Context, owner store.User) error {
	rows, err := s.store.ListSecrets(ctx, owner.ID)
	if err != nil {
		return err
	}
	list, err := s.ws.ListWorkspaces(ctx, owner.ID)
	if err != nil {
		return err
	}
	for _, ws := range list {
		live := map[string]bool{}
		for _, r := range rows {
			if liveFileOnly(r, ws) {
				live[r.Name] = true
			}
		}
		if len(live) == 0 {
			continue
		}
		b, err := s.ws.GetLatestBuild(ctx, ws.ID)
		if err != nil {
			return err
		}
		if b.Transition != sdk.TransitionStart || b.Status != sdk.BuildSucceeded {
			continue
		}
		applied, err := s.ws.ListAgentApplied(ctx, b.ID)
		if err != nil {
			return err
		}
		agents, err := s.ws.ListAgentsByBuild(ctx, b.ID)
		if err != nil {
			return err
		}
		for _, ap := range applied {
			for _, a := range agents {
				if a.ID != ap.AgentID {
					continue
				}
				if err := s.pushAgent(ctx, a, ws, owner, ap, live); err != nil {
					s.logger.Warn("push live secret files to an agent", "agent_id", a.ID, "workspace", ws.Name, "error", err)
				}
			}
		}
	}
	return nil
}

func (s *Server) pushAgent(ctx context.Context, a store.WorkspaceAgent, ws store.Workspace, owner store.User, ap store.AgentApplied, live map[string]bool) error {
	var was []deliveredSecret
	if err := json.Unmarshal(ap.Delivered, &was); err != nil {
		return err
	}
	t, err := s.ws.GetTemplateByID(ctx, ws.TemplateID)
	if err != nil {
		return err
	}
	m, now, err := s.buildManifest(ctx, a, ws, owner, t.Name)
	if err != nil {
		return err
	}
	pushed := withLive(was, now, live)
	rev, rec := revisionOf(pushed)
	if rev == ap.Revision {
		return nil
	}
	if err := s.ws.RecordManifestRevision(ctx, a.ID, rev, rec, s.now()); err != nil {
		return err
	}
	// The agent's last fetched revision, which the manifest cache compares
	// with before recording, is no longer the recorded one.
	s.mcache.drop(a.ID)
	m.Revision = rev
	// Only the live secrets travel: nothing else is applied from a push.
	secrets := []sdk.WorkspaceSecret{}
	for _, sec := range m.Secrets {
		if live[sec.Name] {
			// The agent rewrites what is marked live (a secret's own
			// mode, or the workspace's).
			sec.Refresh = sdk.RefreshLive
			secrets = append(secrets, sec)
		}
	}
	m.Secrets = secrets
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	stream, err := s.agents.Dial(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("reach the agent: %w", err)
	}
	defer stream.Close()
	stop := context.AfterFunc(ctx, func() { stream.Close() })
	defer stop()
	if _, err := io.WriteString(stream, sdk.AgentPushHeader); err != nil {
		return err
	}
	if _, err := stream.Write(body); err != nil {
		return err
	}
	if _, err := io.WriteString(stream, "\n"); err != nil {
		return err
	}
	ack, err := bufio.NewReader(stream).ReadString('\n')
	if err != nil || ack != sdk.AgentPushAck {
		return fmt.Errorf("the agent did not acknowledge the push: %v", err)
	}
	s.logger.Info("pushed live secret files", "agent_id", a.ID, "workspace", ws.Name, "secrets", len(secrets), "revision", rev)
	return nil
}
