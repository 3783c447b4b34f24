package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

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
	envIsPrebuildClaim = "CODER_WORKSPACE_IS_PREBUILD_CLAIM"

	// The task a build runs for (coder_task, coder_ai_task).
	envTaskID     = "CODER_TASK_ID"
	envTaskPrompt = "CODER_TASK_PROMPT"

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

// Variables named for a value of the template, in the forms of
// terraform-provider-coder v2. Names that may hold any character are
// hashed: the variable ends with the lower-case hex SHA-256 of the name.
const (
	parameterVarPrefix         = "CODER_PARAMETER_"
	parameterPreviousVarPrefix = "CODER_PARAMETER_PREVIOUS_"
	externalAuthVarPrefix      = "CODER_EXTERNAL_AUTH_ACCESS_TOKEN_"
	runningAgentTokenVarPrefix = "CODER_RUNNING_WORKSPACE_AGENT_TOKEN_"
)

// ParameterVar names the variable holding the value of the coder_parameter
// named name in this build.
func ParameterVar(name string) string { return parameterVarPrefix + hashHex(name) }

// ParameterPreviousVar names the variable holding the value the
// coder_parameter named name had in the workspace's previous build (what
// validation.monotonic compares with).
func ParameterPreviousVar(name string) string { return parameterPreviousVarPrefix + hashHex(name) }

// ExternalAuthAccessTokenVar names the variable holding the owner's access
// token for the external auth provider id.
func ExternalAuthAccessTokenVar(id string) string { return externalAuthVarPrefix + id }

// RunningAgentTokenVar names the variable holding the token a claimed
// prebuilt workspace's running agent keeps. v2 hashes the agent's id, which
// it always passes as "" (one agent per prebuilt workspace).
func RunningAgentTokenVar(agentID string) string {
	return runningAgentTokenVarPrefix + hashHex(agentID)
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
