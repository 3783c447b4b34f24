package placement

import (
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// PreviewSecret is what the preview knows of a secret: its metadata,
// never its value.
type PreviewSecret struct {
	Name      string
	EnvName   string
	FilePath  string
	Enabled   bool
	Templates []string
}

// unknownHome stands for a home folder the preview does not know: it
// holds a NUL byte, which no secret's absolute file path may, so "~/"
// paths never collide with absolute ones through it.
const unknownHome = "/\x00home"

// Preview says what a workspace of template, whose agent runs on goos with
// home ("" when unknown) and gets templateEnv (coder_agent env then each
// coder_env, in order; values are not needed), would get of secrets: it
// applies Delivered under the policy p, PlanFiles and the env precedence
// of BuildEnvFor, exactly what the server's manifest and the agent do.
// Nothing in the result is a value. Lists are never nil.
func Preview(p Policy, secrets []PreviewSecret, template string, templateEnv []sdk.EnvVar, home, goos, cwdVolume string) sdk.SecretPreview {
	out := sdk.SecretPreview{
		Template: template, OS: goos, Home: home,
		Env: []sdk.PreviewEnv{}, Files: []sdk.PreviewFile{}, Collisions: []sdk.PreviewCollision{},
		Unplaceable: []sdk.PreviewUnplaceable{}, Disabled: []string{}, ScopedOut: []sdk.PreviewScopedOut{},
		PolicyBlocked: []sdk.PreviewPolicyBlocked{},
	}
	planHome := home
	if planHome == "" {
		planHome = unknownHome
		if goos == "windows" {
			planHome = `C:\` + "\x00home"
		}
	}
	e := newEnv(goos == "windows")
	sources := map[string][]string{}
	for _, v := range templateEnv {
		if validName(v.Name) {
			k := e.key(v.Name)
			sources[k] = append(sources[k], v.Source)
		}
	}
	var files []sdk.WorkspaceSecret
	for _, s := range secrets {
		if !s.Enabled {
			out.Disabled = append(out.Disabled, s.Name)
			continue
		}
		if !ReachesTemplate(s.Templates, template) {
			out.ScopedOut = append(out.ScopedOut, sdk.PreviewScopedOut{Secret: s.Name, Templates: append([]string{}, s.Templates...)})
			continue
		}
		t, ok := Delivered(p, s.Enabled, s.EnvName, s.FilePath, s.Templates, template)
		if s.FilePath != "" && t.FilePath == "" {
			// The deployment writes no files (Policy.FileDeliveryDisabled).
			out.PolicyBlocked = append(out.PolicyBlocked, sdk.PreviewPolicyBlocked{Secret: s.Name, FilePath: s.FilePath})
		}
		if !ok {
			continue
		}
		s.EnvName, s.FilePath = t.EnvName, t.FilePath
		if s.EnvName != "" && validName(s.EnvName) {
			over := append([]string{}, sources[e.key(s.EnvName)]...)
			out.Env = append(out.Env, sdk.PreviewEnv{Name: s.EnvName, Secret: s.Name, Overrides: over})
		}
		if s.FilePath != "" {
			files = append(files, sdk.WorkspaceSecret{Name: s.Name, FilePath: s.FilePath})
		}
	}
	sortBy(out.Env, func(p sdk.PreviewEnv) string { return p.Name })
	plan := PlanFiles(files, planHome, goos, cwdVolume)
	shown := func(resolved string) string {
		if strings.Contains(resolved, "\x00") {
			return ""
		}
		return resolved
	}
	for _, f := range plan.Files {
		out.Files = append(out.Files, sdk.PreviewFile{Secret: f.Secret, Path: f.Path, Resolved: shown(f.Resolved)})
	}
	paths := map[string]string{}
	for _, f := range files {
		paths[f.Name] = f.FilePath
	}
	for _, w := range plan.Warnings {
		p := shown(w.Path)
		if p == "" {
			p = paths[w.Kept]
		}
		out.Collisions = append(out.Collisions, sdk.PreviewCollision{Path: p, Kept: w.Kept, Skipped: w.Skipped})
	}
	for _, s := range plan.Skipped {
		out.Unplaceable = append(out.Unplaceable, sdk.PreviewUnplaceable{Secret: s.Secret, Path: s.Path, Error: s.Err.Error()})
	}
	return out
}

func sortBy[T any](s []T, key func(T) string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && key(s[j]) < key(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
