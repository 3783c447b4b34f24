package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestSecretEnableImportCLI runs enable, disable, import and list through
// the real binary against a real server, on both databases.
func TestSecretEnableImportCLI(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := clitest.StartServer(t, backend)
			u := clitest.NewUser(t)
			login(t, srv, u)
			cn := canary(t)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte("export APP_TOKEN=\""+cn+"\"\nAPP_MODE=dev # literal\nweird-key=x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sh := func(script string) clitest.Result {
				t.Helper()
				return u.MustSh(t, dir, script, []string{"CN=" + cn}, nil)
			}
			r := sh(`coder secret import app.env`)
			if !strings.Contains(r.Stdout, "Imported 3 secrets from app.env (1 disabled, with no target).") ||
				!strings.Contains(r.Stderr, `Warning: line 3: key "weird-key" is imported disabled`) {
				t.Fatalf("import: got stdout %q, stderr %q", r.Stdout, r.Stderr)
			}
			var list []sdk.Secret
			if err := json.Unmarshal([]byte(sh(`coder secret list -o json`).Stdout), &list); err != nil || len(list) != 3 {
				t.Fatalf("list -o json: %v, %d secrets", err, len(list))
			}
			// A second import of the same file: every collision, exit 1,
			// nothing written.
			r = u.Sh(t, dir, `coder secret import app.env`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "#0 APP_TOKEN: you already have a secret with this name") ||
				!strings.Contains(r.Stderr, "#2 weird-key") {
				t.Fatalf("second import: exit %d, stderr %q; want every collision listed", r.ExitCode, r.Stderr)
			}
			// Stdin needs a format; with it, a JSON file.
			if r := u.Sh(t, dir, `echo 'B=1' | coder secret import -`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "--input-format") {
				t.Fatalf("import - without a format: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			sh(`echo '{"FROM_JSON": "j"}' | coder secret import --input-format json -`)

			r = sh(`coder secret disable APP_TOKEN`)
			if !strings.Contains(r.Stdout, `Disabled secret "APP_TOKEN" (disabled: stored, not injected into workspaces).`) {
				t.Fatalf("disable: got %q", r.Stdout)
			}
			// Its env is free now for another enabled secret; enabling it
			// back is then a conflict naming the env.
			sh(`echo -n "$CN" | coder secret create other --env APP_TOKEN`)
			r = u.Sh(t, dir, `coder secret enable APP_TOKEN`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "enabled secret with this environment variable target") {
				t.Fatalf("enable onto a taken env: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			sh(`coder secret delete -y other`)
			sh(`coder secret enable APP_TOKEN`)
			sh(`coder secret update APP_MODE --enabled=false`)
			sh(`echo -n v | coder secret create stored-only --enabled=false`)
			r = u.Sh(t, dir, `coder secret update APP_TOKEN --env ""`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "disable it (`coder secret disable APP_TOKEN`") {
				t.Fatalf("clearing the last target of an enabled secret: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}

			table := sh(`coder secret list`).Stdout
			lines := strings.Split(strings.TrimSpace(table), "\n")
			if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "CREATED") || !strings.Contains(lines[0], "ENABLED") {
				t.Fatalf("list header: %q", lines[0])
			}
			if !strings.Contains(table, "now") && !strings.Contains(table, "seconds ago") && !strings.Contains(table, "1 second ago") {
				t.Errorf("list: got\n%s\nwant humanized times", table)
			}
			got := sh(`coder secret ls -c name,enabled`).Stdout
			want := "NAME         ENABLED\nAPP_MODE     false\nAPP_TOKEN    true\nFROM_JSON    true\nstored-only  false\nweird-key    false\n"
			if got != want {
				t.Errorf("ls -c name,enabled: got\n%s\nwant\n%s", got, want)
			}
			if r := u.Sh(t, dir, `coder secret ls -c name,value`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, `unknown column "value"`) {
				t.Errorf("ls -c value: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			// The audit log of all of it: entries name fields, never values.
			var entries []sdk.AuditEntry
			r = sh(`coder audit list -o json --limit 1000`)
			if err := json.Unmarshal([]byte(r.Stdout), &entries); err != nil || len(entries) < 10 {
				t.Fatalf("audit list -o json: %v, %d entries", err, len(entries))
			}
			if strings.Contains(r.Stdout, cn) {
				t.Errorf("the audit log holds a value")
			}
			r = sh(`coder audit list --action update --resource-name APP_MODE --since 1h`)
			lines = strings.Split(strings.TrimSpace(r.Stdout), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "update  secret APP_MODE  enabled") {
				t.Errorf("audit list of APP_MODE's updates: got\n%s", r.Stdout)
			}
			if r := sh(`coder audit list --limit 1`); !strings.Contains(r.Stderr, "More entries: add --offset 1.") {
				t.Errorf("audit list --limit 1: stderr %q, want the next page's offset", r.Stderr)
			}
			if r := u.Sh(t, dir, `coder audit list --since yesterday`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "neither an RFC 3339 time") {
				t.Errorf("--since yesterday: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			if strings.Contains(srv.Output.String(), cn) {
				t.Errorf("the server's log holds a value")
			}
		})
	}
}

// TestWorkspaceDisabledSecret: in a real workspace, a disabled secret is
// neither in a session's environment nor written as a file; enabled and
// restarted, it is.
func TestWorkspaceDisabledSecret(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	on, off := canary(t), canary(t)
	e.sh(t, `echo -n "$V" | coder secret create on --env ON_SECRET`, "V="+on)
	e.sh(t, `echo -n "$V" | coder secret create off --env OFF_SECRET --file ~/.off-secret --enabled=false`, "V="+off)
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")
	e.wantEnv(t, "dev", "ON_SECRET", on)
	e.wantUnset(t, "dev", "OFF_SECRET")
	if _, ok := e.readFile(t, "dev", "~/.off-secret"); ok {
		t.Fatalf("the disabled secret's file was written")
	}
	e.sh(t, `coder secret enable off`)
	e.restart(t, "dev")
	e.wantEnv(t, "dev", "OFF_SECRET", off)
	e.wantFile(t, "dev", "~/.off-secret", off, 0o600)
}
