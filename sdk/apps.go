package sdk

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// App health values. An app without a healthcheck is AppHealthDisabled;
// one whose check has not yet passed or failed `threshold` times in a row
// is AppInitializing.
const (
	AppHealthDisabled = "disabled"
	AppInitializing   = "initializing"
	AppHealthy        = "healthy"
	AppUnhealthy      = "unhealthy"
)

// AppHealthcheck is a coder_app's healthcheck block: the agent GETs URL
// every Interval seconds; Threshold failures in a row make the app
// unhealthy, one success healthy.
type AppHealthcheck struct {
	URL       string `json:"url"`
	Interval  int    `json:"interval"`
	Threshold int    `json:"threshold"`
}

// WorkspaceApp is a coder_app of an agent. Exactly one of URL and Command
// is set. Health is filled by the server from what the agent reports.
type WorkspaceApp struct {
	Slug        string          `json:"slug"`
	DisplayName string          `json:"display_name,omitempty"`
	URL         string          `json:"url,omitempty"`
	Command     string          `json:"command,omitempty"`
	Icon        string          `json:"icon,omitempty"`
	External    bool            `json:"external"`
	Subdomain   bool            `json:"subdomain"`
	Share       string          `json:"share"`
	Group       string          `json:"group,omitempty"`
	Order       int             `json:"order"`
	Hidden      bool            `json:"hidden"`
	OpenIn      string          `json:"open_in,omitempty"`
	Tooltip     string          `json:"tooltip,omitempty"`
	Healthcheck *AppHealthcheck `json:"healthcheck,omitempty"`
	Health      string          `json:"health,omitempty"`
}

// ResourceMetadata is one item of a coder_metadata block. A sensitive
// item's value is never returned: Value is empty and Sensitive true.
type ResourceMetadata struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive"`
	IsNull    bool   `json:"is_null,omitempty"`
}

// WorkspaceResource is a managed resource of the workspace's latest
// successful build, with its coder_metadata.
type WorkspaceResource struct {
	ID        uuid.UUID          `json:"id"`
	Address   string             `json:"address"`
	Type      string             `json:"type"`
	Name      string             `json:"name"`
	Hide      bool               `json:"hide"`
	Icon      string             `json:"icon,omitempty"`
	DailyCost int                `json:"daily_cost"`
	Metadata  []ResourceMetadata `json:"metadata"`
}

// WorkspaceAgentDetail is an agent with its apps, as `coder show` sees it.
type WorkspaceAgentDetail struct {
	WorkspaceAgent
	OS        string         `json:"os,omitempty"`
	Arch      string         `json:"arch,omitempty"`
	Directory string         `json:"directory,omitempty"`
	Apps      []WorkspaceApp `json:"apps"`
}

// WorkspaceSecretTarget names a secret the workspace's agents receive and
// where it lands; never its value.
type WorkspaceSecretTarget struct {
	Name     string `json:"name"`
	EnvName  string `json:"env_name,omitempty"`
	FilePath string `json:"file_path,omitempty"`
	// Source is "user" (a user secret) or "build" (a build secret).
	Source string `json:"source,omitempty"`
}

// WorkspaceParameter is a parameter value of a build. Nothing records
// parameters yet (issue 12 point 2): Parameters is always empty until it
// does. A sensitive value is never returned.
type WorkspaceParameter struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// WorkspaceDetail is GET .../workspaces/{workspace}/resources: what the
// latest build recorded, with the agents' status and apps' health.
type WorkspaceDetail struct {
	Workspace  Workspace               `json:"workspace"`
	BuildID    uuid.UUID               `json:"build_id"`
	Resources  []WorkspaceResource     `json:"resources"`
	Agents     []WorkspaceAgentDetail  `json:"agents"`
	Parameters []WorkspaceParameter    `json:"parameters"`
	Secrets    []WorkspaceSecretTarget `json:"secrets"`
}

// App returns the app of any agent with that slug, and the agent's name.
func (d WorkspaceDetail) App(slug string) (WorkspaceApp, string, bool) {
	for _, a := range d.Agents {
		for _, app := range a.Apps {
			if app.Slug == slug {
				return app, a.Name, true
			}
		}
	}
	return WorkspaceApp{}, "", false
}

// AppHealthPath is where an agent reports its apps' health.
const AppHealthPath = "/api/v2/workspaceagents/me/app-health"

// AppHealthRequest reports the health of some of the agent's apps, by slug.
type AppHealthRequest struct {
	Healths map[string]string `json:"healths"`
	// AgentID, when set, is checked against the token's agent.
	AgentID uuid.UUID `json:"agent_id,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// PostAppHealth reports app health (agent token).
func (c *Client) PostAppHealth(ctx context.Context, req AppHealthRequest) error {
	return c.do(ctx, http.MethodPost, AppHealthPath, req, http.StatusNoContent, nil)
}

// WorkspaceDetail returns what `coder show` prints.
func (c *Client) WorkspaceDetail(ctx context.Context, user, workspace string) (WorkspaceDetail, error) {
	var out WorkspaceDetail
	return out, c.do(ctx, http.MethodGet, workspacePath(user, workspace)+"/resources", nil, http.StatusOK, &out)
}
