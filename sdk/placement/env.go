package placement

import (
	"runtime"
	"sort"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// AgentPrivatePrefix starts the name of every variable that is the agent's
// own business (CODER_AGENT_TOKEN, CODER_AGENT_URL, CODER_AGENT_LOG_DIR,
// ...). No session ever inherits one of them.
const AgentPrivatePrefix = "CODER_AGENT_"

// agentPrivate are variables outside AgentPrivatePrefix that the agent
// process may hold but a session must not inherit.
var agentPrivate = []string{
	// A session token given to the agent's environment by a template or
	// an operator would let any workspace process act as that user.
	"CODER_SESSION_TOKEN",
	// Set only while Terraform runs the binary as a plugin.
	"TF_PLUGIN_MAGIC_COOKIE",
}

// IsAgentPrivate reports whether the agent's own environment variable name
// is kept from sessions. Names compare case-insensitively, as on Windows.
func IsAgentPrivate(name string) bool {
	up := strings.ToUpper(name)
	if strings.HasPrefix(up, AgentPrivatePrefix) {
		return true
	}
	// The provisioner's copies of secret values (CODER_SECRET_ENV_*,
	// CODER_SECRET_FILE_*) reach an agent that a template starts without
	// cleaning Terraform's environment; they are stale as soon as a secret
	// changes, and a deleted secret must not linger: sessions never get
	// them. Secrets reach sessions only through the manifest.
	if strings.HasPrefix(up, "CODER_SECRET_") {
		return true
	}
	for _, n := range agentPrivate {
		if up == n {
			return true
		}
	}
	return false
}

// BuildEnv is BuildEnvFor on the running system.
func BuildEnv(base []string, template []sdk.EnvVar, secrets []sdk.WorkspaceSecret) []string {
	return BuildEnvFor(runtime.GOOS, base, template, secrets)
}

// BuildEnvFor builds the environment of every new session, startup script,
// terminal and app of a workspace whose agent runs on goos. It applies, last
// wins:
//
//  1. base, the agent's own environment ("NAME=value" entries, as
//     os.Environ returns them), without the agent-private variables (see
//     IsAgentPrivate);
//  2. template, in order: the coder_agent env then each coder_env. Merge
//     strategy "replace" (and "" and "error": the server rejects conflicts
//     before a manifest is made) sets the variable; "append" gives
//     old+sep+new and "prepend" new+sep+old when the old value is not empty,
//     else new; sep is ";" on Windows and ":" elsewhere;
//  3. secrets with an env target, by env name.
//
// Names are case-insensitive on Windows (the first spelling seen is kept),
// case-sensitive elsewhere. Entries with an empty name, a name holding "="
// or a NUL byte anywhere are dropped. The result is sorted by name, so the
// same inputs always give the same slice.
func BuildEnvFor(goos string, base []string, template []sdk.EnvVar, secrets []sdk.WorkspaceSecret) []string {
	windows := goos == "windows"
	sep := ":"
	if windows {
		sep = ";"
	}
	e := newEnv(windows)
	for _, kv := range base {
		// Windows keeps per-drive working directories as "=C:=C:\dir":
		// the name starts with "=".
		i := strings.IndexByte(kv[min(1, len(kv)):], '=')
		if i < 0 {
			continue
		}
		i += min(1, len(kv))
		name, value := kv[:i], kv[i+1:]
		if name == "" || strings.IndexByte(kv, 0) >= 0 || IsAgentPrivate(name) {
			continue
		}
		e.set(name, value)
	}
	for _, v := range template {
		if !validName(v.Name) || strings.IndexByte(v.Value, 0) >= 0 {
			continue
		}
		old, _ := e.get(v.Name)
		switch v.MergeStrategy {
		case sdk.MergeAppend:
			if old != "" {
				e.set(v.Name, old+sep+v.Value)
				continue
			}
		case sdk.MergePrepend:
			if old != "" {
				e.set(v.Name, v.Value+sep+old)
				continue
			}
		}
		e.set(v.Name, v.Value)
	}
	for _, s := range secrets {
		value := s.Value.Reveal()
		if s.EnvName == "" || !validName(s.EnvName) || strings.IndexByte(value, 0) >= 0 {
			continue
		}
		e.set(s.EnvName, value)
	}
	return e.list()
}

func validName(n string) bool {
	return n != "" && !strings.ContainsAny(n, "=\x00")
}

// env is a set of variables keyed by name, case-folded on Windows.
type env struct {
	fold bool
	vars map[string][2]string // key → {name as first spelled, value}
}

func newEnv(fold bool) *env { return &env{fold: fold, vars: map[string][2]string{}} }

func (e *env) key(name string) string {
	if e.fold {
		return strings.ToUpper(name)
	}
	return name
}

func (e *env) get(name string) (string, bool) {
	v, ok := e.vars[e.key(name)]
	return v[1], ok
}

func (e *env) set(name, value string) {
	k := e.key(name)
	if old, ok := e.vars[k]; ok {
		name = old[0]
	}
	e.vars[k] = [2]string{name, value}
}

func (e *env) list() []string {
	keys := make([]string, 0, len(e.vars))
	for k := range e.vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		v := e.vars[k]
		out = append(out, v[0]+"="+v[1])
	}
	return out
}
