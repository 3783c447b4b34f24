package placement

import (
	"path"
	"sort"

	"github.com/usersecrets/coder/sdk"
)

// Sources of a delivered secret (sdk.WorkspaceSecret.Source).
const (
	SourceUser  = "user"
	SourceBuild = "build"
)

// Candidate is a secret that may land in a workspace: one of the owner's
// user secrets, or a secret given with the workspace's build (a build
// secret, always enabled).
type Candidate struct {
	Name     string
	Enabled  bool
	EnvName  string
	FilePath string
	Value    sdk.SecretValue
	// Templates is a user secret's allow-list of template names (empty:
	// every template); Refresh its sdk.RefreshLive or "". Build secrets
	// have neither: they belong to their workspace.
	Templates []string
	Refresh   string
}

// Replacement says that a build secret takes a target of a user secret:
// the user secret is not delivered there.
type Replacement struct {
	// Build and User name the two secrets.
	Build string
	User  string
	// Target is "env" (EnvName) or "file" (FilePath, as the user secret
	// spells it).
	Target   string
	EnvName  string
	FilePath string
}

// Delivery is what lands in a workspace.
type Delivery struct {
	// Secrets are the secrets delivered, each with only the targets it
	// lands at: the user secrets by name, then the build secrets by name.
	Secrets []sdk.WorkspaceSecret
	// Replaced lists each user secret target a build secret took, by
	// build secret, then user secret, then target.
	Replaced []Replacement
}

// SameFile reports whether two file targets name the same file for the
// precedence of build secrets: equal after path.Clean.
func SameFile(a, b string) bool { return path.Clean(a) == path.Clean(b) }

// Merge decides what of the owner's user secrets and the build's secrets
// lands in a workspace of template under the policy (user secrets through
// Delivered, build secrets through Ships). A build
// secret beats a user secret per target: a user secret whose environment
// variable (same name, exactly) or file (same path after path.Clean) a
// delivered build secret also targets loses that target, and is left out
// altogether, value included, when it loses all of them. Build secrets
// never collide among themselves (the server refuses that when they are
// given).
func Merge(p Policy, template string, user, build []Candidate) Delivery {
	var d Delivery
	envOwner := map[string]string{}  // env name → build secret
	fileOwner := map[string]string{} // cleaned path → build secret
	var builds []sdk.WorkspaceSecret
	for _, b := range sortedCandidates(build) {
		t, ok := Ships(p, b.Enabled, b.EnvName, b.FilePath)
		if !ok {
			continue
		}
		if t.EnvName != "" {
			envOwner[t.EnvName] = b.Name
		}
		if t.FilePath != "" {
			fileOwner[path.Clean(t.FilePath)] = b.Name
		}
		builds = append(builds, sdk.WorkspaceSecret{Name: b.Name, EnvName: t.EnvName, FilePath: t.FilePath, Value: b.Value, Source: SourceBuild})
	}
	for _, u := range sortedCandidates(user) {
		t, ok := Delivered(p, u.Enabled, u.EnvName, u.FilePath, u.Templates, template)
		if !ok {
			continue
		}
		if b, taken := envOwner[t.EnvName]; taken && t.EnvName != "" {
			d.Replaced = append(d.Replaced, Replacement{Build: b, User: u.Name, Target: "env", EnvName: t.EnvName})
			t.EnvName = ""
		}
		if t.FilePath != "" {
			if b, taken := fileOwner[path.Clean(t.FilePath)]; taken {
				d.Replaced = append(d.Replaced, Replacement{Build: b, User: u.Name, Target: "file", FilePath: t.FilePath})
				t.FilePath = ""
			}
		}
		if t.EnvName == "" && t.FilePath == "" {
			continue
		}
		d.Secrets = append(d.Secrets, sdk.WorkspaceSecret{Name: u.Name, EnvName: t.EnvName, FilePath: t.FilePath, Value: u.Value, Source: SourceUser, Refresh: u.Refresh})
	}
	d.Secrets = append(d.Secrets, builds...)
	sort.SliceStable(d.Replaced, func(i, j int) bool {
		a, b := d.Replaced[i], d.Replaced[j]
		if a.Build != b.Build {
			return a.Build < b.Build
		}
		if a.User != b.User {
			return a.User < b.User
		}
		return a.Target < b.Target
	})
	return d
}

func sortedCandidates(in []Candidate) []Candidate {
	out := append([]Candidate(nil), in...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
