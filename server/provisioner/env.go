package provisioner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk/buildenv"
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
// settings, the variables of SPEC.md section 5 (named in sdk/buildenv), and
// on start builds one variable per secret target.
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
	set(buildenv.AgentURL, in.accessURL)
	set(buildenv.Transition, in.build.Transition)
	set(buildenv.BuildID, in.build.ID.String())
	set(buildenv.WorkspaceID, in.workspace.ID.String())
	set(buildenv.WorkspaceName, in.workspace.Name)
	set(buildenv.Owner, in.owner.Username)
	set(buildenv.OwnerID, in.owner.ID.String())
	set(buildenv.OwnerEmail, in.owner.Email)
	set(buildenv.OwnerName, in.owner.Name)
	set(buildenv.TemplateID, in.template.ID.String())
	set(buildenv.TemplateName, in.template.Name)
	set(buildenv.TemplateVersion, strconv.Itoa(in.version.Number))
	platforms := make([]string, 0, len(in.agentScripts))
	for k := range in.agentScripts {
		platforms = append(platforms, k)
	}
	sort.Strings(platforms)
	for _, k := range platforms {
		set(buildenv.AgentScript(k), in.agentScripts[k])
	}
	// A value too short to be masked in the logs is kept from Terraform:
	// the data source reads "" (the agent still delivers the secret).
	var withheld []string
	for _, s := range in.secrets {
		var names []string
		if s.EnvName != "" {
			names = append(names, buildenv.SecretEnv(s.EnvName))
		}
		if s.FilePath != "" {
			names = append(names, buildenv.SecretFile(s.FilePath))
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
		set(buildenv.SecretWithheld, strings.Join(withheld, ","))
	}
	return env
}
