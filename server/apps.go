package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/server/store"
)

// getWorkspaceResources is GET .../workspaces/{workspace}/resources: the
// latest build's resources with their metadata, its agents with their
// status and apps (with health), and which of the owner's secrets ship to
// the workspace (names and targets, never values).
func (s *Server) getWorkspaceResources(w http.ResponseWriter, r *http.Request) {
	me, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sw, err := s.toSDKWorkspace(r, ws, me)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := sdk.WorkspaceDetail{Workspace: sw, BuildID: sw.LatestBuild.ID,
		Resources: []sdk.WorkspaceResource{}, Agents: []sdk.WorkspaceAgentDetail{},
		Parameters: []sdk.WorkspaceParameter{}, Secrets: []sdk.WorkspaceSecretTarget{}}
	// The parameter values the latest build ran with (coder_parameter has
	// no sensitive flag), with the owner's secret values masked below as in
	// build logs.
	bp, err := s.ws.GetBuildParameters(ctx, sw.LatestBuild.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.writeInternal(w, r, err)
		return
	}
	if len(bp.Values) > 0 {
		var vals []sdk.BuildParameter
		if err := json.Unmarshal(bp.Values, &vals); err != nil {
			s.writeInternal(w, r, err)
			return
		}
		for _, v := range vals {
			out.Parameters = append(out.Parameters, sdk.WorkspaceParameter{Name: v.Name, Value: v.Value})
		}
	}
	res, err := s.store.ListResourcesByBuild(ctx, sw.LatestBuild.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	for _, rs := range res {
		item := sdk.WorkspaceResource{ID: rs.ID, Address: rs.Address, Type: rs.Type, Name: rs.Name, Hide: rs.Hide,
			Icon: rs.Icon, DailyCost: rs.DailyCost, Metadata: []sdk.ResourceMetadata{}}
		if len(rs.Metadata) > 0 {
			if err := json.Unmarshal(rs.Metadata, &item.Metadata); err != nil {
				s.writeInternal(w, r, fmt.Errorf("resource %s metadata: %w", rs.ID, err))
				return
			}
		}
		// Recorded without their value; cleared again whatever the row says.
		for i := range item.Metadata {
			if item.Metadata[i].Sensitive {
				item.Metadata[i].Value = ""
			}
		}
		out.Resources = append(out.Resources, item)
	}
	agents, err := s.ws.ListAgentsByBuild(ctx, sw.LatestBuild.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// A command or URL that embeds a secret value (the template read it
	// through data.coder_secret) is masked here, as in build logs; the
	// agent's manifest keeps it whole.
	delivered, err := s.delivery(ctx, ws.OwnerID, sw.LatestBuild.ID, sw.TemplateName)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	rd := redact.New(delivered.Values)
	for i := range out.Parameters {
		out.Parameters[i].Value = rd.String(out.Parameters[i].Value)
	}
	for _, a := range agents {
		d := sdk.WorkspaceAgentDetail{
			WorkspaceAgent: sdk.WorkspaceAgent{ID: a.ID, Name: a.Name, LifecycleState: a.LifecycleState, LastSeenAt: a.LastConnected},
			OS:             a.OS, Arch: a.Arch, Directory: a.Directory,
		}
		d.Connected = s.agents.Connected(ctx, a.ID)
		if d.Apps, err = s.appsWithHealth(ctx, a); err != nil {
			s.writeInternal(w, r, err)
			return
		}
		for i := range d.Apps {
			d.Apps[i].Command, d.Apps[i].URL = rd.String(d.Apps[i].Command), rd.String(d.Apps[i].URL)
			if h := d.Apps[i].Healthcheck; h != nil {
				h.URL = rd.String(h.URL)
			}
		}
		out.Agents = append(out.Agents, d)
	}
	for _, sec := range delivered.Secrets {
		out.Secrets = append(out.Secrets, sdk.WorkspaceSecretTarget{Name: sec.Name, EnvName: sec.EnvName, FilePath: sec.FilePath, Source: sec.Source})
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeApps reads an agent's recorded apps.
func decodeApps(a store.WorkspaceAgent) ([]sdk.WorkspaceApp, error) {
	apps := []sdk.WorkspaceApp{}
	if len(a.Apps) > 0 {
		if err := json.Unmarshal(a.Apps, &apps); err != nil {
			return nil, fmt.Errorf("apps of agent %s: %w", a.ID, err)
		}
	}
	return apps, nil
}

// appsWithHealth returns the agent's apps with their health: disabled
// without a healthcheck, what the agent last reported, or initializing
// before its first report.
func (s *Server) appsWithHealth(ctx context.Context, a store.WorkspaceAgent) ([]sdk.WorkspaceApp, error) {
	apps, err := decodeApps(a)
	if err != nil {
		return nil, err
	}
	health, err := s.store.ListAppHealth(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]string{}
	for _, h := range health {
		bySlug[h.Slug] = h.Health
	}
	for i := range apps {
		switch h, ok := bySlug[apps[i].Slug]; {
		case apps[i].Healthcheck == nil:
			apps[i].Health = sdk.AppHealthDisabled
		case ok:
			apps[i].Health = h
		default:
			apps[i].Health = sdk.AppInitializing
		}
	}
	return apps, nil
}

// agentAppHealth is POST /api/v2/workspaceagents/me/app-health: the agent
// reports its apps' health by slug. A slug the agent has no healthchecked
// app for, or a health other than initializing, healthy or unhealthy, is
// a 400 and nothing is stored.
func (s *Server) agentAppHealth(w http.ResponseWriter, r *http.Request) {
	a, _ := agentFrom(r.Context())
	var req sdk.AppHealthRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.AgentID != uuid.Nil && req.AgentID != a.ID {
		writeError(w, http.StatusConflict, "This report belongs to the agent of an earlier build of the workspace.")
		return
	}
	apps, err := decodeApps(a)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	checked := map[string]bool{}
	for _, app := range apps {
		checked[app.Slug] = app.Healthcheck != nil
	}
	at := time.Now().UTC()
	rows := make([]store.AppHealth, 0, len(req.Healths))
	for slug, h := range req.Healths {
		if !checked[slug] {
			writeError(w, http.StatusBadRequest, "The agent has no app with a healthcheck of that slug.",
				sdk.ValidationError{Field: "healths", Detail: "unknown app slug"})
			return
		}
		switch h {
		case sdk.AppInitializing, sdk.AppHealthy, sdk.AppUnhealthy:
		default:
			writeError(w, http.StatusBadRequest, "Unknown app health.", sdk.ValidationError{Field: "healths", Detail: "unknown health"})
			return
		}
		rows = append(rows, store.AppHealth{AgentID: a.ID, Slug: slug, Health: h, UpdatedAt: at})
	}
	if err := s.store.UpsertAppHealth(r.Context(), rows); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
