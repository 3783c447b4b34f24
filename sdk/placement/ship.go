package placement

// Ships reports whether a secret with these targets goes to a workspace's
// agent: only a secret with a target, an environment variable (envName)
// or a file (filePath), lands in a workspace. One without a target stays
// on the server; a template can still read it (coder_secret). The server
// builds the agent's manifest, and its list of problems, from this rule;
// the agent places what it gets by the rules of this package.
func Ships(envName, filePath string) bool { return envName != "" || filePath != "" }
