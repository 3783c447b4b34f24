package cli

// servePluginIfAsked serves the Terraform provider when Terraform started
// this binary as a plugin. It reports whether it did.
func servePluginIfAsked() bool { return false }
