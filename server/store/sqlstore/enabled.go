package sqlstore

import "github.com/usersecrets/coder/server/store"

// enabledTargets returns the targets sec owns: its env_name and file_path
// when it is enabled, none when it is disabled (a disabled secret clashes
// with no other secret's targets).
func enabledTargets(sec store.Secret) (envName, filePath string) {
	if !sec.Enabled {
		return "", ""
	}
	return sec.EnvName, sec.FilePath
}

// changedTargets returns the targets an update from cur to next newly
// claims, to be checked against the owner's other enabled secrets: a
// target that changed, or both targets of a secret being enabled. A
// disabled result claims none.
func changedTargets(cur, next store.Secret) (envName, filePath string) {
	if !next.Enabled {
		return "", ""
	}
	if !cur.Enabled || next.EnvName != cur.EnvName {
		envName = next.EnvName
	}
	if !cur.Enabled || next.FilePath != cur.FilePath {
		filePath = next.FilePath
	}
	return envName, filePath
}
