package sdk

import (
	"context"
	"net/http"
	"net/url"
)

// SecretPreview answers GET /api/v2/users/{user}/secretpreview: what a
// workspace of Template (or the workspace named Workspace) would get of the
// owner's secrets at its next start, without any value. The server builds
// it with package placement, the rules the agent applies.
type SecretPreview struct {
	// PolicyBlocked lists the file targets the deployment does not write
	// (coder server --disable-user-secret-file-delivery).
	PolicyBlocked []PreviewPolicyBlocked `json:"policy_blocked"`
	Template      string                 `json:"template"`
	Workspace     string                 `json:"workspace,omitempty"`
	// OS is the agent's operating system the paths are resolved for.
	OS string `json:"os"`
	// Home is what "~/" means in the workspace; "" when unknown (a
	// template preview without ?home=, a workspace whose agent has not
	// reported it): file paths under "~/" are then not resolved, and a
	// collision between "~/x" and an absolute path cannot be seen.
	Home string `json:"home,omitempty"`
	// TemplateEnvSource says where the template env came from: "agent"
	// (what the workspace's agent was recorded with at its last start) or
	// "template" (read from the template's files: only literal names of
	// coder_agent env and coder_env blocks without count or for_each).
	TemplateEnvSource string `json:"template_env_source"`
	// Env are the environment variables secrets set, by name.
	Env []PreviewEnv `json:"env"`
	// Files are the files secrets are written to, by secret name.
	Files []PreviewFile `json:"files"`
	// Collisions are secrets skipped because another secret, whose name
	// sorts first, resolves to the same file.
	Collisions []PreviewCollision `json:"collisions"`
	// Unplaceable are file secrets whose path does not resolve.
	Unplaceable []PreviewUnplaceable `json:"unplaceable"`
	// Disabled are the names of disabled secrets (stored, not delivered).
	Disabled []string `json:"disabled"`
	// ScopedOut are secrets whose template allow-list leaves this template
	// out: for this workspace they do not exist.
	ScopedOut []PreviewScopedOut `json:"scoped_out"`
}

// PreviewEnv is one environment variable a secret sets in every new
// session. Overrides lists the template env that sets the same name and
// that the secret beats ("coder_agent", "coder_env"), in order.
type PreviewEnv struct {
	Name      string   `json:"name"`
	Secret    string   `json:"secret"`
	Overrides []string `json:"overrides"`
}

// PreviewFile is one file a secret is written to: Path as the secret
// says, Resolved the absolute path ("" when the home is unknown).
type PreviewFile struct {
	Secret   string `json:"secret"`
	Path     string `json:"path"`
	Resolved string `json:"resolved,omitempty"`
}

// PreviewCollision: Skipped is not written, because Kept resolves to the
// same file Path.
type PreviewCollision struct {
	Path    string `json:"path"`
	Kept    string `json:"kept"`
	Skipped string `json:"skipped"`
}

// PreviewUnplaceable is a file secret whose path does not resolve.
type PreviewUnplaceable struct {
	Secret string `json:"secret"`
	Path   string `json:"path"`
	Error  string `json:"error"`
}

// PreviewScopedOut is a secret limited to other templates.
type PreviewScopedOut struct {
	Secret    string   `json:"secret"`
	Templates []string `json:"templates"`
}

// SecretPreviewQuery selects what to preview: Template, or Workspace (the
// template and settings of its last start); Home, when set, is what "~/"
// means there (a workspace's agent reports its own).
type SecretPreviewQuery struct {
	Template  string
	Workspace string
	Home      string
}

// SecretPreview previews what a workspace would get of user's secrets.
func (c *Client) SecretPreview(ctx context.Context, user string, q SecretPreviewQuery) (SecretPreview, error) {
	v := url.Values{}
	for k, s := range map[string]string{"template": q.Template, "workspace": q.Workspace, "home": q.Home} {
		if s != "" {
			v.Set(k, s)
		}
	}
	var out SecretPreview
	return out, c.do(ctx, http.MethodGet, "/api/v2/users/"+url.PathEscape(user)+"/secretpreview?"+v.Encode(), nil, http.StatusOK, &out)
}

// PreviewPolicyBlocked is a secret's file target that the deployment's
// policy keeps from being written.
type PreviewPolicyBlocked struct {
	Secret   string `json:"secret"`
	FilePath string `json:"file_path"`
}
