package sdk

import (
	"context"
	"net/http"
	"net/url"

	"github.com/google/uuid"
)

// PushTemplateVersion pushes a template version with its variables and
// message (the JSON form of POST /api/v2/templates/{template}/versions).
func (c *Client) PushTemplateVersion(ctx context.Context, name string, req PushTemplateRequest) (Template, error) {
	var out Template
	return out, c.do(ctx, http.MethodPost, "/api/v2/templates/"+url.PathEscape(name)+"/versions", req, http.StatusCreated, &out)
}

// TemplateVersionInfo returns what a version's push plan learnt: its
// parameters, presets and variables.
func (c *Client) TemplateVersionInfo(ctx context.Context, versionID uuid.UUID) (TemplateVersionInfo, error) {
	var out TemplateVersionInfo
	return out, c.do(ctx, http.MethodGet, "/api/v2/templateversions/"+versionID.String()+"/parameters", nil, http.StatusOK, &out)
}

// BuildParameters returns the parameter values of a build.
func (c *Client) BuildParameters(ctx context.Context, buildID uuid.UUID) ([]BuildParameter, error) {
	var out []BuildParameter
	return out, c.do(ctx, http.MethodGet, "/api/v2/workspacebuilds/"+buildID.String()+"/parameters", nil, http.StatusOK, &out)
}

// BuildSecrets lists a build's build secrets: metadata, never a value.
func (c *Client) BuildSecrets(ctx context.Context, buildID uuid.UUID) ([]WorkspaceBuildSecret, error) {
	var out []WorkspaceBuildSecret
	return out, c.do(ctx, http.MethodGet, "/api/v2/workspacebuilds/"+buildID.String()+"/secrets", nil, http.StatusOK, &out)
}

// UserSecretCapabilities says what the deployment delivers.
func (c *Client) UserSecretCapabilities(ctx context.Context) (UserSecretCapabilities, error) {
	var out UserSecretCapabilities
	return out, c.do(ctx, http.MethodGet, "/api/v2/deployment/user-secrets/capabilities", nil, http.StatusOK, &out)
}
