package placement

// ReachesTemplate reports whether a secret whose allow-list of template
// names is templates goes to a workspace of the template named template.
// An empty allow-list is every template (the guide's behaviour). Names
// compare byte for byte, as template names do.
func ReachesTemplate(templates []string, template string) bool {
	if len(templates) == 0 {
		return true
	}
	for _, t := range templates {
		if t == template {
			return true
		}
	}
	return false
}

// Delivered reports whether a user secret reaches a workspace of
// template under the policy, and where: it ships (Ships) and its
// allow-list lets it into that template (ReachesTemplate). The manifest
// (through Merge), the start build's coder_secret data sources, the
// template's requirement check, the preview and the restart-needed
// comparison all use it; a secret it leaves out is, for that workspace, a
// secret that does not exist.
func Delivered(p Policy, enabled bool, envName, filePath string, templates []string, template string) (Target, bool) {
	t, ok := Ships(p, enabled, envName, filePath)
	if !ok || !ReachesTemplate(templates, template) {
		return Target{}, false
	}
	return t, true
}
