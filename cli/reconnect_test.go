package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
)

// TestAgentReconnectAppliesSecrets kills the server (as a crash would) while
// a workspace runs, changes nothing in the workspace, and starts the server
// again: the agent reconnects on its own and applies the secrets as they are
// stored now, without a workspace restart.
func TestAgentReconnectAppliesSecrets(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	v1, v2, f1, f2 := canary(t), canary(t), canary(t), canary(t)
	env := []string{"V1=" + v1, "V2=" + v2, "F1=" + f1, "F2=" + f2}
	e.sh(t, `echo -n "$V1" | coder secret create api-key --env API_KEY`, env...)
	e.sh(t, `echo -n "$F1" | coder secret create tool --file ~/.tool`, env...)
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")
	home := e.home("dev")
	e.wantEnv(t, "dev", "API_KEY", v1)
	e.wantFile(t, "dev", "~/.tool", f1, 0o600)

	e.sh(t, `echo -n "$V2" | coder secret update api-key`, env...)
	e.sh(t, `echo -n "$F2" | coder secret update tool`, env...)
	e.wantEnv(t, "dev", "API_KEY", v1) // not before a start or a reconnect

	e.srv.Kill(t)
	e.srv.Restart(t)
	// The agent reconnects by itself (exponential backoff).
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	waitFor(t, 90*time.Second, func() bool {
		a, err := e.c.WorkspaceAgent(ctx, sdk.Me, "dev")
		return err == nil && a.Connected
	}, "the agent to reconnect to the restarted server")
	// A reconnect fetches the manifest again and applies it: the file is
	// rewritten and new sessions get the new environment.
	waitFor(t, 30*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(home, ".tool"))
		return err == nil && string(b) == f2
	}, "the agent to rewrite the file secret after reconnecting")
	e.wantFile(t, "dev", "~/.tool", f2, 0o600)
	e.wantEnv(t, "dev", "API_KEY", v2)
	for _, v := range []string{v1, v2, f1, f2} {
		if strings.Contains(e.srv.Output.String(), v) {
			t.Fatal("the server log holds a secret value")
		}
	}
}
