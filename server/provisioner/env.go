package provisioner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/server/store"
)

type envInput struct {
	base         []string
	mirror       *tfmirror.Mirror
	extra        []string
	accessURL    string
	build        store.WorkspaceBuild
	workspace    store.Workspace
	owner        store.User
	template     store.Template
	version      store.TemplateVersion
	agentScripts map[string]string
	secrets      []store.Secret // with their values; only on start builds
}

// buildEnv is the whole environment of a terraform command: the server's
// own environment without any CODER_* or TF_* variable, the mirror's
// settings, the variables of SPEC.md section 5, and on start builds one
// variable per secret target.
func buildEnv(in envInput) []string {
	var env []string
	for _, kv := range in.base {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "CODER_") || upper == "CODER" || strings.HasPrefix(upper, "TF_") {
			continue
		}
		env = append(env, kv)
	}
	if in.mirror != nil {
		env = append(env, in.mirror.Env()...)
	}
	env = append(env, in.extra...)
	set := func(k, v string) { env = append(env, k+"="+v) }
	set("CODER_AGENT_URL", in.accessURL)
	set("CODER_WORKSPACE_TRANSITION", in.build.Transition)
	set("CODER_WORKSPACE_BUILD_ID", in.build.ID.String())
	set("CODER_WORKSPACE_ID", in.workspace.ID.String())
	set("CODER_WORKSPACE_NAME", in.workspace.Name)
	set("CODER_WORKSPACE_OWNER", in.owner.Username)
	set("CODER_WORKSPACE_OWNER_ID", in.owner.ID.String())
	set("CODER_WORKSPACE_OWNER_EMAIL", in.owner.Email)
	set("CODER_WORKSPACE_OWNER_NAME", in.owner.Name)
	set("CODER_WORKSPACE_TEMPLATE_ID", in.template.ID.String())
	set("CODER_WORKSPACE_TEMPLATE_NAME", in.template.Name)
	set("CODER_WORKSPACE_TEMPLATE_VERSION", strconv.Itoa(in.version.Number))
	platforms := make([]string, 0, len(in.agentScripts))
	for k := range in.agentScripts {
		platforms = append(platforms, k)
	}
	sort.Strings(platforms)
	for _, k := range platforms {
		set("CODER_AGENT_SCRIPT_"+k, in.agentScripts[k])
	}
	// A value too short to be masked in the logs is kept from Terraform:
	// the data source reads "" (the agent still delivers the secret).
	var withheld []string
	for _, s := range in.secrets {
		var names []string
		if s.EnvName != "" {
			names = append(names, sdk.SecretEnvVar(s.EnvName))
		}
		if s.FilePath != "" {
			names = append(names, sdk.SecretFileVar(s.FilePath))
		}
		for _, n := range names {
			if redact.Maskable(s.Value.Reveal()) {
				set(n, s.Value.Reveal())
			} else {
				withheld = append(withheld, n)
			}
		}
	}
	if len(withheld) > 0 {
		set(sdk.SecretWithheldVar, strings.Join(withheld, ","))
	}
	return env
}
