// Package buildenv names the environment variables a workspace build gives
// Terraform (SPEC.md section 5): the provisioner sets them, the coder/coder
// provider reads them. It is their one definition; the names are those of
// terraform-provider-coder v2.
package buildenv

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The agent's connection and bootstrap.
const (
	AgentURL = "CODER_AGENT_URL"
	// AgentScriptPrefix + "<os>_<arch>" holds the agent's bootstrap script
	// for that platform (see AgentScript).
	AgentScriptPrefix = "CODER_AGENT_SCRIPT_"
)

// AgentScript names the variable of the bootstrap script for a platform,
// "<os>_<arch>".
func AgentScript(platform string) string { return AgentScriptPrefix + platform }

// AgentTokenHashes names a file of the build's private folder to which
// the provider appends, one a line, AgentTokenHash of each agent token it
// makes, as it makes it: the server then holds the new agent's first
// requests until the build records it, instead of refusing them. Our
// addition (v2 has no such variable); without it the provider writes
// nothing.
const AgentTokenHashes = "CODER_BUILD_AGENT_TOKEN_HASHES"

// AgentTokenHash is how a token is written to the AgentTokenHashes file:
// the lower-case hex of its SHA-256 (never the token).
func AgentTokenHash(token string) string { return hashHex(token) }

// The build, its workspace and its template.
const (
	BuildID = "CODER_WORKSPACE_BUILD_ID"
	// Transition is sdk.TransitionStart, TransitionStop or
	// TransitionDelete.
	Transition      = "CODER_WORKSPACE_TRANSITION"
	WorkspaceID     = "CODER_WORKSPACE_ID"
	WorkspaceName   = "CODER_WORKSPACE_NAME"
	TemplateID      = "CODER_WORKSPACE_TEMPLATE_ID"
	TemplateName    = "CODER_WORKSPACE_TEMPLATE_NAME"
	TemplateVersion = "CODER_WORKSPACE_TEMPLATE_VERSION"
	IsPrebuild      = "CODER_WORKSPACE_IS_PREBUILD"
	IsPrebuildClaim = "CODER_WORKSPACE_IS_PREBUILD_CLAIM"

	// TemplateImport is "true" in the plan the server runs at a template
	// push (outside any build): a coder_parameter with neither a value nor
	// a default then reads "" without being validated, so that the push
	// learns it. Our addition: v2 has no such variable (and validates).
	TemplateImport = "CODER_TEMPLATE_IMPORT"

	// The task a build runs for (coder_task, coder_ai_task).
	TaskID     = "CODER_TASK_ID"
	TaskPrompt = "CODER_TASK_PROMPT"
)

// The workspace's owner.
const (
	Owner                = "CODER_WORKSPACE_OWNER"
	OwnerID              = "CODER_WORKSPACE_OWNER_ID"
	OwnerName            = "CODER_WORKSPACE_OWNER_NAME"
	OwnerEmail           = "CODER_WORKSPACE_OWNER_EMAIL"
	OwnerSSHPublicKey    = "CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY"
	OwnerSSHPrivateKey   = "CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY"
	OwnerGroups          = "CODER_WORKSPACE_OWNER_GROUPS"
	OwnerSessionToken    = "CODER_WORKSPACE_OWNER_SESSION_TOKEN"
	OwnerOIDCAccessToken = "CODER_WORKSPACE_OWNER_OIDC_ACCESS_TOKEN"
	OwnerOIDCIDToken     = "CODER_WORKSPACE_OWNER_OIDC_ID_TOKEN"
	OwnerLoginType       = "CODER_WORKSPACE_OWNER_LOGIN_TYPE"
	OwnerRBACRoles       = "CODER_WORKSPACE_OWNER_RBAC_ROLES"
)

// Variables named for a value of the template. Names that may hold any
// character are hashed: the variable ends with the lower-case hex SHA-256
// of the name.
const (
	parameterPrefix         = "CODER_PARAMETER_"
	parameterPreviousPrefix = "CODER_PARAMETER_PREVIOUS_"
	externalAuthPrefix      = "CODER_EXTERNAL_AUTH_ACCESS_TOKEN_"
	runningAgentTokenPrefix = "CODER_RUNNING_WORKSPACE_AGENT_TOKEN_"
)

// Parameter names the variable holding the value of the coder_parameter
// named name in this build.
func Parameter(name string) string { return parameterPrefix + hashHex(name) }

// ParameterPrevious names the variable holding the value the
// coder_parameter named name had in the workspace's previous build (what
// validation.monotonic compares with).
func ParameterPrevious(name string) string { return parameterPreviousPrefix + hashHex(name) }

// ExternalAuthAccessToken names the variable holding the owner's access
// token for the external auth provider id.
func ExternalAuthAccessToken(id string) string { return externalAuthPrefix + id }

// RunningAgentToken names the variable holding the token a claimed
// prebuilt workspace's running agent keeps. v2 hashes the agent's id,
// which it always passes as "" (one agent per prebuilt workspace).
func RunningAgentToken(agentID string) string { return runningAgentTokenPrefix + hashHex(agentID) }

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Variables that carry secret values on a start build.
const (
	SecretEnvPrefix  = "CODER_SECRET_ENV_"
	SecretFilePrefix = "CODER_SECRET_FILE_"
	// SecretWithheld lists, separated by commas, the variables (SecretEnv,
	// SecretFile) of secrets the provisioner keeps from Terraform on a
	// start build although the owner has them: values too short to be
	// masked in logs (sdk/redact.Maskable). The coder_secret data source
	// then reads "" and no error.
	SecretWithheld = "CODER_SECRET_WITHHELD"
)

// SecretEnv names the variable that carries the value of the secret whose
// env target is envName: CODER_SECRET_ENV_<envName>.
func SecretEnv(envName string) string { return SecretEnvPrefix + envName }

// SecretFile names the variable that carries the value of the secret whose
// file target is filePath: CODER_SECRET_FILE_<lower-case hex of the path's
// bytes>. The path is encoded because it may hold any byte but NUL, which
// an environment variable name cannot.
func SecretFile(filePath string) string {
	return SecretFilePrefix + hex.EncodeToString([]byte(filePath))
}

// IsWithheld reports whether the variable name is listed in withheld, the
// value of SecretWithheld.
func IsWithheld(withheld, name string) bool {
	for _, n := range strings.Split(withheld, ",") {
		if n == name {
			return true
		}
	}
	return false
}
