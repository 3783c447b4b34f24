package sdk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// PushTemplate uploads a tar archive of a template folder as the new active
// version of the template name (created when missing). Admins only.
func (c *Client) PushTemplate(ctx context.Context, name string, archive []byte) (Template, error) {
	u, err := c.URL.Parse("/api/v2/templates/" + url.PathEscape(name) + "/versions")
	if err != nil {
		return Template{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(archive))
	if err != nil {
		return Template{}, err
	}
	req.Header.Set("Content-Type", "application/x-tar")
	req.Header.Set(SessionTokenHeader, c.SessionToken)
	res, err := c.httpClient().Do(req)
	if err != nil {
		return Template{}, err
	}
	if res.StatusCode != http.StatusCreated {
		return Template{}, ReadError(res)
	}
	defer res.Body.Close()
	var out Template
	return out, json.NewDecoder(res.Body).Decode(&out)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

// Templates lists the templates.
func (c *Client) Templates(ctx context.Context) ([]Template, error) {
	var out []Template
	return out, c.do(ctx, http.MethodGet, "/api/v2/templates", nil, http.StatusOK, &out)
}

// Template returns one template by name.
func (c *Client) Template(ctx context.Context, name string) (Template, error) {
	var out Template
	return out, c.do(ctx, http.MethodGet, "/api/v2/templates/"+url.PathEscape(name), nil, http.StatusOK, &out)
}

func workspacesPath(user string) string {
	return "/api/v2/users/" + url.PathEscape(user) + "/workspaces"
}

func workspacePath(user, name string) string {
	return workspacesPath(user) + "/" + url.PathEscape(name)
}

// CreateWorkspace creates a workspace and queues its first start build.
func (c *Client) CreateWorkspace(ctx context.Context, user string, req CreateWorkspaceRequest) (Workspace, error) {
	var out Workspace
	return out, c.do(ctx, http.MethodPost, workspacesPath(user), req, http.StatusCreated, &out)
}

// Workspaces lists a user's workspaces.
func (c *Client) Workspaces(ctx context.Context, user string) ([]Workspace, error) {
	var out []Workspace
	return out, c.do(ctx, http.MethodGet, workspacesPath(user), nil, http.StatusOK, &out)
}

// Workspace returns one of a user's workspaces by name.
func (c *Client) Workspace(ctx context.Context, user, name string) (Workspace, error) {
	var out Workspace
	return out, c.do(ctx, http.MethodGet, workspacePath(user, name), nil, http.StatusOK, &out)
}

// UpdateWorkspace changes a workspace's settings (its secret refresh
// mode).
func (c *Client) UpdateWorkspace(ctx context.Context, user, name string, req UpdateWorkspaceRequest) (Workspace, error) {
	var out Workspace
	return out, c.do(ctx, http.MethodPatch, workspacePath(user, name), req, http.StatusOK, &out)
}

// CreateBuild queues a start, stop or delete build of a workspace.
func (c *Client) CreateBuild(ctx context.Context, user, workspace, transition string) (WorkspaceBuild, error) {
	return c.CreateBuildWith(ctx, user, workspace, CreateBuildRequest{Transition: transition})
}

// CreateBuildWith queues a build described by req.
func (c *Client) CreateBuildWith(ctx context.Context, user, workspace string, req CreateBuildRequest) (WorkspaceBuild, error) {
	var out WorkspaceBuild
	return out, c.do(ctx, http.MethodPost, workspacePath(user, workspace)+"/builds", req, http.StatusCreated, &out)
}

// CancelBuild asks for a build in progress to stop: a pending build is
// canceled at once, a running one when Terraform has stopped (follow it to
// its end). It returns the build as it is after the request.
func (c *Client) CancelBuild(ctx context.Context, id uuid.UUID) (WorkspaceBuild, error) {
	var out WorkspaceBuild
	return out, c.do(ctx, http.MethodPost, "/api/v2/workspacebuilds/"+id.String()+"/cancel", nil, http.StatusOK, &out)
}

// Build returns a build.
func (c *Client) Build(ctx context.Context, id uuid.UUID) (WorkspaceBuild, error) {
	var out WorkspaceBuild
	return out, c.do(ctx, http.MethodGet, "/api/v2/workspacebuilds/"+id.String(), nil, http.StatusOK, &out)
}

// FollowBuildLogs calls fn for each log line of the build, as it is
// written, until the build ends; then it returns the finished build.
func (c *Client) FollowBuildLogs(ctx context.Context, id uuid.UUID, fn func(BuildLog)) (WorkspaceBuild, error) {
	var after int64
	for {
		res, err := c.Request(ctx, http.MethodGet, fmt.Sprintf("/api/v2/workspacebuilds/%s/logs?follow=true&after=%d", id, after), nil)
		if err != nil {
			return WorkspaceBuild{}, err
		}
		if res.StatusCode != http.StatusOK {
			return WorkspaceBuild{}, ReadError(res)
		}
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
		for sc.Scan() {
			var l BuildLog
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				res.Body.Close()
				if ctx.Err() != nil {
					return WorkspaceBuild{}, ctx.Err()
				}
				return WorkspaceBuild{}, fmt.Errorf("decode build log: %w", err)
			}
			after = l.ID
			fn(l)
		}
		res.Body.Close()
		if ctx.Err() != nil {
			return WorkspaceBuild{}, ctx.Err()
		}
		b, err := c.Build(ctx, id)
		if err != nil {
			return b, err
		}
		if b.Done() {
			// Lines written between the last read and the end.
			res, err := c.Request(ctx, http.MethodGet, fmt.Sprintf("/api/v2/workspacebuilds/%s/logs?after=%d", id, after), nil)
			if err == nil && res.StatusCode == http.StatusOK {
				sc := bufio.NewScanner(res.Body)
				sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
				for sc.Scan() {
					var l BuildLog
					if json.Unmarshal(sc.Bytes(), &l) == nil {
						fn(l)
					}
				}
				res.Body.Close()
			}
			return b, nil
		}
		if ctx.Err() != nil {
			return b, ctx.Err()
		}
	}
}

// BuildLogs calls fn for each log line the build has so far.
func (c *Client) BuildLogs(ctx context.Context, id uuid.UUID, fn func(BuildLog)) error {
	res, err := c.Request(ctx, http.MethodGet, fmt.Sprintf("/api/v2/workspacebuilds/%s/logs", id), nil)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return ReadError(res)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
	for sc.Scan() {
		var l BuildLog
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("decode build log: %w", err)
		}
		fn(l)
	}
	return sc.Err()
}

// WorkspaceAgent returns the agent of a workspace's latest build.
func (c *Client) WorkspaceAgent(ctx context.Context, user, workspace string) (WorkspaceAgent, error) {
	var out WorkspaceAgent
	return out, c.do(ctx, http.MethodGet, workspacePath(user, workspace)+"/agent", nil, http.StatusOK, &out)
}

// WaitWorkspaceAgent returns the agent of the workspace's latest build
// once its StateKey differs from changedFrom, or, unchanged, after wait (at
// most MaxAgentWait): the server holds the request until then, and answers
// a change it made itself at once. An empty changedFrom answers at once.
func (c *Client) WaitWorkspaceAgent(ctx context.Context, user, workspace, changedFrom string, wait time.Duration) (WorkspaceAgent, error) {
	q := url.Values{}
	if changedFrom != "" {
		q.Set("changed_from", changedFrom)
		q.Set("wait_ms", strconv.FormatInt(min(max(wait, time.Millisecond), MaxAgentWait).Milliseconds(), 10))
	}
	p := workspacePath(user, workspace) + "/agent"
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var out WorkspaceAgent
	return out, c.do(ctx, http.MethodGet, p, nil, http.StatusOK, &out)
}

// MaxAgentWait is the longest wait_ms the agent route takes.
const MaxAgentWait = time.Minute

// WorkspaceAgentLogs returns the startup script logs the agent uploaded.
func (c *Client) WorkspaceAgentLogs(ctx context.Context, user, workspace string) ([]AgentLog, error) {
	var out []AgentLog
	return out, c.do(ctx, http.MethodGet, workspacePath(user, workspace)+"/agent/logs", nil, http.StatusOK, &out)
}
