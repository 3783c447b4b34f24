package placement

// Ships reports whether a secret goes to a workspace: to its agent (the
// manifest) and to the build that starts it (the coder_secret data
// source). Only an enabled secret with a target, an environment variable
// (envName) or a file (filePath), lands in a workspace. A disabled one is
// stored only, whatever its targets; one without a target cannot be
// enabled. The server builds the agent's manifest, and its list of
// problems, and the provisioner a start build's environment, from this
// rule; the agent places what it gets by the rules of this package.
func Ships(enabled bool, envName, filePath string) bool {
	return enabled && (envName != "" || filePath != "")
}
