package provider

import (
	"fmt"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// The variables of a workspace build this provider reads (SPEC.md section
// 5). Their names are defined once, in sdk/buildenv, which the
// provisioner sets them from.
const (
	envAgentURL          = buildenv.AgentURL
	envAgentScriptPrefix = buildenv.AgentScriptPrefix

	envBuildID         = buildenv.BuildID
	envTransition      = buildenv.Transition
	envWorkspaceID     = buildenv.WorkspaceID
	envWorkspaceName   = buildenv.WorkspaceName
	envTemplateID      = buildenv.TemplateID
	envTemplateName    = buildenv.TemplateName
	envTemplateVersion = buildenv.TemplateVersion
	envIsPrebuild      = buildenv.IsPrebuild
	envIsPrebuildClaim = buildenv.IsPrebuildClaim

	envTaskID     = buildenv.TaskID
	envTaskPrompt = buildenv.TaskPrompt

	envOwner                = buildenv.Owner
	envOwnerID              = buildenv.OwnerID
	envOwnerName            = buildenv.OwnerName
	envOwnerEmail           = buildenv.OwnerEmail
	envOwnerSSHPublicKey    = buildenv.OwnerSSHPublicKey
	envOwnerSSHPrivateKey   = buildenv.OwnerSSHPrivateKey
	envOwnerGroups          = buildenv.OwnerGroups
	envOwnerSessionToken    = buildenv.OwnerSessionToken
	envOwnerOIDCAccessToken = buildenv.OwnerOIDCAccessToken
	envOwnerOIDCIDToken     = buildenv.OwnerOIDCIDToken
	envOwnerLoginType       = buildenv.OwnerLoginType
	envOwnerRBACRoles       = buildenv.OwnerRBACRoles
)

// Workspace transitions.
const (
	transitionStart  = sdk.TransitionStart
	transitionStop   = sdk.TransitionStop
	transitionDelete = sdk.TransitionDelete
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
