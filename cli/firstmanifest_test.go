package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstManifestNotRefused: the agent a create or a restart of the
// local template starts (a real agent, real terraform) gets its first
// manifest on its first request: the server holds that request until the
// build is recorded instead of refusing it, so the agent's log has no
// refused request (the agent logs each 401 or 403 it gets while it
// waits).
func TestFirstManifestNotRefused(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			check := func(what string) {
				t.Helper()
				log, err := os.ReadFile(filepath.Join(e.home("dev"), ".coder-agent.log"))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(log), "does not accept the agent token yet") {
					t.Errorf("after the %s the agent was refused before its manifest:\n%s", what, tail(string(log), 30))
				}
				if !strings.Contains(string(log), "manifest") {
					t.Errorf("after the %s the agent's log says nothing of its manifest:\n%s", what, tail(string(log), 30))
				}
			}
			e.sh(t, `coder create dev --template local -y`)
			check("create")
			e.sh(t, `coder restart dev -y`)
			check("restart")
		})
	}
}
