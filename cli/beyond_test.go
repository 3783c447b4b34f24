package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// workspaceNow reads a workspace through the API.
func (e *workspaceEnv) workspaceNow(t *testing.T, ws string) sdk.Workspace {
	t.Helper()
	w, err := e.c.Workspace(context.Background(), sdk.Me, ws)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// waitRestartNeeded polls the workspace until its restart_needed_secrets
// are want (nil: none), for up to 30s.
func (e *workspaceEnv) waitRestartNeeded(t *testing.T, ws string, want []string) sdk.Workspace {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := e.workspaceNow(t, ws)
		if reflect.DeepEqual(w.RestartNeededSecrets, want) && w.RestartNeeded == (len(want) > 0) {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: restart_needed %v, secrets %q; want %q", ws, w.RestartNeeded, w.RestartNeededSecrets, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRestartNeeded: through a real server, terraform and agent on both
// databases, a running workspace is flagged as needing a restart once a
// secret it applied changes (value, target, disabled, deleted, created),
// names those secrets in coder list, coder show and -o json, and is not
// flagged after the restart. The old file of a secret whose path changed
// is then listed as stale in coder show, with an rm command that removes
// it. No value reaches the CLI's output, the server's log or the SQLite
// database file in plaintext.
func TestRestartNeeded(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			v1, v2, tool, gone, del, fresh := canary(t), canary(t), canary(t), canary(t), canary(t), canary(t)
			env := []string{"V1=" + v1, "V2=" + v2, "TOOL=" + tool, "GONE=" + gone, "DEL=" + del, "FRESH=" + fresh}
			run := func(script string) string {
				t.Helper()
				r := e.u.MustSh(t, "", script, env, nil)
				e.outputs = append(e.outputs, r.Stdout, r.Stderr)
				return r.Stdout
			}
			run(`echo -n "$V1" | coder secret create api-key --env API_KEY`)
			run(`echo -n "$TOOL" | coder secret create tool --file ~/.config/tool/x`)
			run(`echo -n "$GONE" | coder secret create gone --env GONE`)
			run(`echo -n "$DEL" | coder secret create del --env DEL`)
			run(`coder create dev --template local -y`)
			e.waitReady(t, "dev")
			e.waitRestartNeeded(t, "dev", nil)
			if out := run(`coder list`); strings.Contains(out, "restart needed") {
				t.Fatalf("coder list flags a workspace that runs its secrets as stored:\n%s", out)
			}
			// A description is not delivered: no restart needed.
			run(`coder secret update api-key --description "the key"`)
			e.waitRestartNeeded(t, "dev", nil)

			run(`echo -n "$V2" | coder secret update api-key`)
			e.waitRestartNeeded(t, "dev", []string{"api-key"})
			run(`coder secret update tool --file ~/.config/tool/y`)
			run(`coder secret disable gone`)
			run(`coder secret delete -y del`)
			run(`echo -n "$FRESH" | coder secret create fresh --env FRESH`)
			want := []string{"api-key", "del", "fresh", "gone", "tool"}
			e.waitRestartNeeded(t, "dev", want)
			line := "restart needed (5 secrets changed: api-key, del, fresh, gone, tool)"
			if out := run(`coder list`); !strings.Contains(out, line) {
				t.Fatalf("coder list lacks %q:\n%s", line, out)
			}
			if out := run(`coder show dev`); !strings.Contains(out, line) || !strings.Contains(out, "coder restart dev") {
				t.Fatalf("coder show lacks %q:\n%s", line, out)
			}
			var listed []map[string]any
			if err := json.Unmarshal([]byte(run(`coder list -o json`)), &listed); err != nil || len(listed) != 1 {
				t.Fatalf("coder list -o json: %v", err)
			}
			if listed[0]["restart_needed"] != true || !reflect.DeepEqual(listed[0]["restart_needed_secrets"], []any{"api-key", "del", "fresh", "gone", "tool"}) {
				t.Fatalf("coder list -o json: restart_needed %v, restart_needed_secrets %v", listed[0]["restart_needed"], listed[0]["restart_needed_secrets"])
			}
			var shown map[string]any
			if err := json.Unmarshal([]byte(run(`coder show dev -o json`)), &shown); err != nil || shown["restart_needed"] != true {
				t.Fatalf("coder show -o json: %v, restart_needed %v", err, shown["restart_needed"])
			}
			// Still running the old value until the restart.
			e.wantEnv(t, "dev", "API_KEY", v1)

			e.restart(t, "dev")
			w := e.waitRestartNeeded(t, "dev", nil)
			e.wantEnv(t, "dev", "API_KEY", v2)
			if out := run(`coder list`); strings.Contains(out, "restart needed") {
				t.Fatalf("coder list flags the workspace after its restart:\n%s", out)
			}

			// The file of the old path stays, listed as stale with the
			// command that removes it.
			old := filepath.Join(e.home("dev"), ".config", "tool", "x")
			if !reflect.DeepEqual(w.StaleFiles, []sdk.StaleFile{{Path: old, Secret: "tool"}}) {
				t.Fatalf("stale files %+v, want %s from tool", w.StaleFiles, old)
			}
			if _, err := os.Stat(old); err != nil {
				t.Fatalf("the old file must stay: %v", err)
			}
			show := run(`coder show dev`)
			rm := "coder ssh dev -- rm -- " + old
			if !strings.Contains(show, old) || !strings.Contains(show, `"tool"`) || !strings.Contains(show, rm) {
				t.Fatalf("coder show lacks the stale file with its rm command %q:\n%s", rm, show)
			}
			run(rm)
			if _, err := os.Stat(old); !os.IsNotExist(err) {
				t.Fatalf("the rm command did not remove %s: %v", old, err)
			}
			e.wantFile(t, "dev", "~/.config/tool/y", tool, 0o600)

			places := map[string]string{
				"server log": e.srv.Output.String(),
				"CLI output": strings.Join(e.outputs, "\n"),
			}
			if backend == "sqlite" {
				db, err := os.ReadFile(filepath.Join(e.srv.DataDir, "coder.db"))
				if err != nil {
					t.Fatal(err)
				}
				wal, _ := os.ReadFile(filepath.Join(e.srv.DataDir, "coder.db-wal"))
				places["database"] = string(db) + string(wal)
			}
			for where, text := range places {
				for _, v := range []string{v1, v2, tool, gone, del, fresh} {
					if strings.Contains(text, v) {
						t.Fatalf("the %s holds a secret value", where)
					}
				}
			}
		})
	}
}

// TestTemplateScoping: a secret limited to one template reaches
// workspaces of that template only; for another template it is missing,
// in the manifest and for the template's coder_secret requirements.
func TestTemplateScoping(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			e.sh(t, `coder templates push other -d "$TEMPLATE" -y`, "TEMPLATE="+localTemplate(t))
			v, f := canary(t), canary(t)
			env := []string{"V=" + v, "F=" + f}
			run := func(script string) string {
				t.Helper()
				r := e.u.MustSh(t, "", script, env, nil)
				e.outputs = append(e.outputs, r.Stdout, r.Stderr)
				return r.Stdout
			}
			out := run(`echo -n "$V" | coder secret create scoped --env SCOPED --templates local`)
			if !strings.Contains(out, "only into workspaces of the templates local") {
				t.Fatalf("coder secret create does not say the scope:\n%s", out)
			}
			run(`echo -n "$F" | coder secret create scoped-file --file ~/scoped --templates local,third`)
			s, err := e.c.Secret(context.Background(), sdk.Me, "scoped-file")
			if err != nil || !reflect.DeepEqual(s.Templates, []string{"local", "third"}) {
				t.Fatalf("templates %q (%v)", s.Templates, err)
			}
			run(`coder create mine --template local -y`)
			run(`coder create theirs --template other -y`)
			e.waitReady(t, "mine")
			e.waitReady(t, "theirs")
			e.wantEnv(t, "mine", "SCOPED", v)
			e.wantFile(t, "mine", "~/scoped", f, 0o600)
			e.wantUnset(t, "theirs", "SCOPED")
			if _, ok := e.readFile(t, "theirs", "~/scoped"); ok {
				t.Fatal("a secret scoped to other templates was written in a workspace of template other")
			}
			var detail map[string]any
			if err := json.Unmarshal([]byte(run(`coder show theirs -o json`)), &detail); err != nil {
				t.Fatal(err)
			}
			if secs, _ := detail["secrets"].([]any); len(secs) != 0 {
				t.Fatalf("coder show theirs lists secrets it does not get: %v", secs)
			}

			// Widening the scope flags the other workspace; a restart
			// delivers it.
			run(`coder secret update scoped --templates ""`)
			e.waitRestartNeeded(t, "theirs", []string{"scoped"})
			e.waitRestartNeeded(t, "mine", nil)
			e.restart(t, "theirs")
			e.wantEnv(t, "theirs", "SCOPED", v)
			e.waitRestartNeeded(t, "theirs", nil)

			// coder_secret requirements: a template requiring an env
			// secret scoped elsewhere does not start.
			dir := t.TempDir()
			main := `terraform {
  required_providers {
    coder = { source = "coder/coder" }
  }
}
data "coder_secret" "tok" {
  env = "REQ_TOKEN"
  help_message = "create it with coder secret create"
}
`
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o600); err != nil {
				t.Fatal(err)
			}
			e.sh(t, `coder templates push needs -d "$D" -y`, "D="+dir)
			run(`echo -n "$V" | coder secret create req --env REQ_TOKEN --templates local`)
			r := e.u.Sh(t, "", `coder create needy --template needs -y`, nil, nil)
			e.outputs = append(e.outputs, r.Stdout, r.Stderr)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "REQ_TOKEN") {
				t.Fatalf("coder create with a requirement met only by a secret scoped elsewhere: exit %d\n%s", r.ExitCode, r.Stderr)
			}
			run(`coder secret update req --templates local,needs`)
			run(`coder create needy --template needs -y`)

			for _, text := range []string{e.srv.Output.String(), strings.Join(e.outputs, "\n")} {
				if strings.Contains(text, v) || strings.Contains(text, f) {
					t.Fatal("a secret value reached the output")
				}
			}
		})
	}
}
