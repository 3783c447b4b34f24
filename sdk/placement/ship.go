package placement

// Policy is what the deployment allows to land in workspaces. The zero
// Policy allows everything.
type Policy struct {
	// FileDeliveryDisabled (coder server
	// --disable-user-secret-file-delivery): no secret is written to a
	// file in a workspace. A secret with both targets lands in the
	// environment only; one with a file target only lands nowhere, and its
	// value does not leave the server (neither the manifest nor a build's
	// environment carries it).
	FileDeliveryDisabled bool
}

// Target is where a secret lands: an environment variable (EnvName) and a
// file (FilePath), "" for none.
type Target struct {
	EnvName  string
	FilePath string
}

// Ships reports whether a secret goes to a workspace under the policy, and
// where: to its agent (the manifest) and to the build that starts it (the
// coder_secret data source). Only an enabled secret with a target the
// policy delivers, an environment variable (envName) or a file (filePath),
// lands in a workspace, at the returned targets only. A disabled one is
// stored only, whatever its targets; one without a target cannot be
// enabled. The server builds the agent's manifest, and its list of
// problems, and the provisioner a start build's environment, from this
// rule (build secrets too: see Merge); the agent places what it gets by
// the rules of this package.
func Ships(p Policy, enabled bool, envName, filePath string) (Target, bool) {
	if !enabled {
		return Target{}, false
	}
	t := Target{EnvName: envName, FilePath: filePath}
	if p.FileDeliveryDisabled {
		t.FilePath = ""
	}
	return t, t.EnvName != "" || t.FilePath != ""
}
