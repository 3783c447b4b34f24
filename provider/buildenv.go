package provider

import "fmt"

// Environment variables the provisioner gives Terraform (SPEC.md section 5)
// and that this provider reads. The names are those of
// terraform-provider-coder v2.
const (
	envAgentURL          = "CODER_AGENT_URL"
	envAgentScriptPrefix = "CODER_AGENT_SCRIPT_" // + <os>_<arch>

	envBuildID         = "CODER_WORKSPACE_BUILD_ID"
	envTransition      = "CODER_WORKSPACE_TRANSITION"
	envWorkspaceID     = "CODER_WORKSPACE_ID"
	envWorkspaceName   = "CODER_WORKSPACE_NAME"
	envTemplateID      = "CODER_WORKSPACE_TEMPLATE_ID"
	envTemplateName    = "CODER_WORKSPACE_TEMPLATE_NAME"
	envTemplateVersion = "CODER_WORKSPACE_TEMPLATE_VERSION"
	envIsPrebuild      = "CODER_WORKSPACE_IS_PREBUILD"

	envOwner                = "CODER_WORKSPACE_OWNER"
	envOwnerID              = "CODER_WORKSPACE_OWNER_ID"
	envOwnerName            = "CODER_WORKSPACE_OWNER_NAME"
	envOwnerEmail           = "CODER_WORKSPACE_OWNER_EMAIL"
	envOwnerSSHPublicKey    = "CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY"
	envOwnerSSHPrivateKey   = "CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY"
	envOwnerGroups          = "CODER_WORKSPACE_OWNER_GROUPS"
	envOwnerSessionToken    = "CODER_WORKSPACE_OWNER_SESSION_TOKEN"
	envOwnerOIDCAccessToken = "CODER_WORKSPACE_OWNER_OIDC_ACCESS_TOKEN"
	envOwnerOIDCIDToken     = "CODER_WORKSPACE_OWNER_OIDC_ID_TOKEN"
	envOwnerLoginType       = "CODER_WORKSPACE_OWNER_LOGIN_TYPE"
	envOwnerRBACRoles       = "CODER_WORKSPACE_OWNER_RBAC_ROLES"
)

// Workspace transitions.
const (
	transitionStart  = "start"
	transitionStop   = "stop"
	transitionDelete = "delete"
)

// inBuild reports whether Terraform runs for a workspace build of the
// server, as opposed to a template author's local plan.
func inBuild(getenv func(string) string) bool {
	return getenv(envBuildID) != ""
}

// isStartBuild reports whether Terraform runs for a start build: the only
// build that must have every required secret.
func isStartBuild(getenv func(string) string) bool {
	return inBuild(getenv) && getenv(envTransition) == transitionStart
}

// envOr returns the variable's value, or def when it is unset or empty.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// requireEnv returns the variable's value. In a build, where the server
// always sets it, an empty value is an error; in a local plan it is "".
func requireEnv(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	if v == "" && inBuild(getenv) {
		return "", fmt.Errorf("the environment variable %s is not set, although %s is: the provisioner must set both", name, envBuildID)
	}
	return v, nil
}
