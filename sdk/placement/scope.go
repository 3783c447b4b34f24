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

// Delivered reports whether a secret reaches a workspace of template: it
// ships (Ships) and its allow-list lets it into that template
// (ReachesTemplate). The manifest, the start build's coder_secret data
// sources, the template's requirement check, the preview and the
// restart-needed comparison all use it; a secret it leaves out is, for
// that workspace, a secret that does not exist.
func Delivered(enabled bool, envName, filePath string, templates []string, template string) bool {
	return Ships(enabled, envName, filePath) && ReachesTemplate(templates, template)
}
