package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
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

			r := e.u.MustSh(t, "", `echo -n "$V2" | coder secret update api-key`, env, nil)
			e.outputs = append(e.outputs, r.Stdout, r.Stderr)
			if !strings.Contains(r.Stderr, "Running workspaces that get the change at their next start: dev (coder restart WORKSPACE).") {
				t.Fatalf("coder secret update does not name the workspace to restart:\n%s", r.Stderr)
			}
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

// TestSecretPreview: the preview of a template (with coder_env and
// coder_agent env overrides, a path collision between ~/x and the same
// absolute path, a disabled and a scoped-out secret) matches what a real
// workspace of it then receives, and the preview of that workspace says
// the same, with the home folder its agent reported.
func TestSecretPreview(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			home := e.home("dev")
			vals := map[string]string{}
			for _, n := range []string{"greet", "kind", "plain", "col-a", "col-b", "tool", "off", "scoped"} {
				vals[n] = canary(t)
			}
			create := func(name, flags string) {
				t.Helper()
				r := e.u.MustSh(t, "", `printf %s "$V" | coder secret create "$N" `+flags, []string{"V=" + vals[name], "N=" + name, "HOMEDIR=" + home}, nil)
				e.outputs = append(e.outputs, r.Stdout, r.Stderr)
			}
			create("greet", "--env GREETING")
			create("kind", "--env WORKSPACE_KIND")
			create("plain", "--env PLAIN")
			create("col-a", "--file '~/collide'")
			create("col-b", `--file "$HOMEDIR/collide"`)
			create("tool", "--file '~/.config/tool/t'")
			create("off", "--env OFF --enabled=false")
			create("scoped", "--env SCOPED --templates other")

			preview := func(args string) sdk.SecretPreview {
				t.Helper()
				out := e.sh(t, `coder secret preview -o json `+args, "HOMEDIR="+home)
				var p sdk.SecretPreview
				if err := json.Unmarshal([]byte(out), &p); err != nil {
					t.Fatalf("coder secret preview %s: %v\n%s", args, err, out)
				}
				return p
			}
			p := preview(`--template local --home "$HOMEDIR"`)
			wantEnv := []sdk.PreviewEnv{
				{Name: "GREETING", Secret: "greet", Overrides: []string{"coder_env"}},
				{Name: "PLAIN", Secret: "plain", Overrides: []string{}},
				{Name: "WORKSPACE_KIND", Secret: "kind", Overrides: []string{"coder_agent"}},
			}
			wantFiles := []sdk.PreviewFile{
				{Secret: "col-a", Path: "~/collide", Resolved: filepath.Join(home, "collide")},
				{Secret: "tool", Path: "~/.config/tool/t", Resolved: filepath.Join(home, ".config/tool/t")},
			}
			wantColl := []sdk.PreviewCollision{{Path: filepath.Join(home, "collide"), Kept: "col-a", Skipped: "col-b"}}
			check := func(what string, p sdk.SecretPreview) {
				t.Helper()
				if !reflect.DeepEqual(p.Env, wantEnv) || !reflect.DeepEqual(p.Files, wantFiles) || !reflect.DeepEqual(p.Collisions, wantColl) ||
					!reflect.DeepEqual(p.Disabled, []string{"off"}) ||
					!reflect.DeepEqual(p.ScopedOut, []sdk.PreviewScopedOut{{Secret: "scoped", Templates: []string{"other"}}}) || p.OS != "linux" {
					t.Fatalf("%s: %+v", what, p)
				}
			}
			check("preview of the template", p)
			if p.TemplateEnvSource != "template" {
				t.Fatalf("template env source %q", p.TemplateEnvSource)
			}
			// Without the home folder, ~/ paths stay unresolved and the
			// collision cannot be seen.
			noHome := preview(`--template local`)
			if noHome.Home != "" || len(noHome.Collisions) != 0 || len(noHome.Files) != 3 || noHome.Files[0].Resolved != "" || noHome.Files[1].Resolved != filepath.Join(home, "collide") {
				t.Fatalf("preview without a home: %+v", noHome)
			}
			text := e.sh(t, `coder secret preview --template local --home "$HOMEDIR"`, "HOMEDIR="+home)
			for _, want := range []string{"overrides the template's coder_env env", "overrides the template's coder_agent env",
				`"col-a" is written, "col-b" is skipped`, `"off": disabled`, `"scoped": only for the templates other`} {
				if !strings.Contains(text, want) {
					t.Fatalf("coder secret preview lacks %q:\n%s", want, text)
				}
			}

			// What a real workspace then gets.
			e.sh(t, `coder create dev --template local -y`)
			e.waitReady(t, "dev")
			for _, env := range p.Env {
				e.wantEnv(t, "dev", env.Name, vals[env.Secret])
			}
			for _, n := range []string{"OFF", "SCOPED"} {
				e.wantUnset(t, "dev", n)
			}
			for _, f := range p.Files {
				b, err := os.ReadFile(f.Resolved)
				if err != nil || string(b) != vals[f.Secret] {
					t.Fatalf("%s: written %v, holds the value of %s: %v", f.Resolved, err == nil, f.Secret, string(b) == vals[f.Secret])
				}
			}
			// The workspace's preview: the agent's recorded env and home.
			wp := preview(`--workspace dev`)
			check("preview of the workspace", wp)
			if wp.Home != home || wp.TemplateEnvSource != "agent" || wp.Workspace != "dev" {
				t.Fatalf("workspace preview: home %q (want %q), source %q", wp.Home, home, wp.TemplateEnvSource)
			}
			for _, text := range []string{e.srv.Output.String(), strings.Join(e.outputs, "\n")} {
				for _, v := range vals {
					if strings.Contains(text, v) {
						t.Fatal("a secret value reached the output")
					}
				}
			}
		})
	}
}

// inodeOf is a file's inode and permission bits on this machine.
func inodeOf(t *testing.T, path string) (uint64, os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino, fi.Mode().Perm()
}

// waitContent polls a workspace file (the local template's files are on
// this machine) until it holds want, and returns how long that took.
func waitContent(t *testing.T, path, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if b, err := os.ReadFile(path); err == nil && string(b) == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s does not hold the new value %s after the update", path, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveRefresh: a secret with --refresh live has its file rewritten in
// a running workspace within 2 s of an update, in place (same inode, mode
// kept), and the workspace is not flagged for it; an env secret's running
// shells and new sessions keep the old value until a restart. With two
// server processes the update made through the process the agent is not
// connected to arrives through the relay.
func TestLiveRefresh(t *testing.T) {
	cases := []struct {
		name, backend string
		second        bool
	}{{"sqlite", "sqlite", false}, {"postgres", "postgres", false}, {"two-processes", "postgres", true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newWorkspaceEnv(t, tc.backend)
			via := e.u // who makes the updates
			var s2 *clitest.Server
			if tc.second {
				s2 = clitest.StartSecondServer(t, e.srv)
				u2 := clitest.NewUser(t)
				u2.MustSh(t, "", `coder login "$URL" --username alice --password correct-horse-battery`, []string{"URL=" + s2.URL}, nil)
				via = u2
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("second server log:\n%s", tail(s2.Output.String(), 60))
					}
				})
			}
			v1, v2, v3, tok1, tok2 := canary(t), canary(t), canary(t), canary(t), canary(t)
			env := []string{"V1=" + v1, "V2=" + v2, "V3=" + v3, "T1=" + tok1, "T2=" + tok2}
			var outs []string
			run := func(u *clitest.User, script string) string {
				t.Helper()
				r := u.MustSh(t, "", script, env, nil)
				outs = append(outs, r.Stdout, r.Stderr)
				return r.Stdout
			}
			out := run(e.u, `echo -n "$V1" | coder secret create live-cfg --file '~/.config/live/cfg' --refresh live`)
			if !strings.Contains(out, "rewritten in running workspaces within seconds") {
				t.Fatalf("coder secret create --refresh live does not say what it does:\n%s", out)
			}
			run(e.u, `echo -n "$T1" | coder secret create env-tok --env ENV_TOK --refresh live`)
			run(e.u, `coder create dev --template local -y`)
			e.waitReady(t, "dev")
			e.waitRestartNeeded(t, "dev", nil)
			// pusher is the process the updates go through, holder the
			// one the agent is connected to (the one whose provisioner
			// built the workspace).
			var pusher, holder *clitest.Server
			if s2 != nil {
				pusher, holder = s2, e.srv
				if strings.Contains(s2.Output.String(), `msg="agent connected"`) {
					via, pusher, holder = e.u, e.srv, s2
				}
			}
			path := filepath.Join(e.home("dev"), ".config", "live", "cfg")
			waitContent(t, path, v1, time.Second)
			if err := os.Chmod(path, 0o640); err != nil {
				t.Fatal(err)
			}
			ino, _ := inodeOf(t, path)
			// A shell started now keeps its environment.
			home := e.home("dev")
			e.ssh(t, "dev", `setsid sh -c 'while :; do printf %s "$ENV_TOK" > "$HOME/tok.tmp" && mv "$HOME/tok.tmp" "$HOME/tok.out"; sleep 0.1; done' >/dev/null 2>&1 < /dev/null & echo $! > "$HOME/tok.pid"`)
			t.Cleanup(func() {
				if b, err := os.ReadFile(filepath.Join(home, "tok.pid")); err == nil {
					var pid int
					fmt.Sscan(strings.TrimSpace(string(b)), &pid)
					killGroup(pid)
				}
			})

			out = run(via, `echo -n "$V2" | coder secret update live-cfg`)
			if !strings.Contains(out, "rewritten in running workspaces within seconds") {
				t.Fatalf("coder secret update of a live secret:\n%s", out)
			}
			took := waitContent(t, path, v2, 2*time.Second)
			t.Logf("the live file changed %s after the update returned", took)
			if got, mode := inodeOf(t, path); got != ino || mode != 0o640 {
				t.Fatalf("after the refresh: inode %d (was %d), mode %#o (want 0640)", got, ino, mode)
			}
			// Refreshed live: nothing to restart for.
			e.waitRestartNeeded(t, "dev", nil)
			if pusher != nil {
				// The process the update went through pushed, through the
				// relay to the one the agent is connected to.
				if !strings.Contains(pusher.Output.String(), "pushed live secret files") || strings.Contains(holder.Output.String(), "pushed live secret files") ||
					strings.Contains(pusher.Output.String(), `msg="agent connected"`) {
					t.Fatal("the push did not go from the other process through the relay")
				}
			}

			out = run(via, `echo -n "$T2" | coder secret update env-tok`)
			if !strings.Contains(out, "environment variable still needs a restart") {
				t.Fatalf("coder secret update of a live env secret does not say it needs a restart:\n%s", out)
			}
			e.waitRestartNeeded(t, "dev", []string{"env-tok"})
			e.wantEnv(t, "dev", "ENV_TOK", tok1)
			if b, _ := os.ReadFile(filepath.Join(home, "tok.out")); string(b) != tok1 {
				t.Fatal("the running shell does not keep the old value")
			}
			// Another live change still arrives while the env one waits.
			run(via, `echo -n "$V3" | coder secret update live-cfg`)
			waitContent(t, path, v3, 2*time.Second)
			if got, mode := inodeOf(t, path); got != ino || mode != 0o640 {
				t.Fatalf("after the second refresh: inode %d (was %d), mode %#o", got, ino, mode)
			}
			e.waitRestartNeeded(t, "dev", []string{"env-tok"})

			e.restart(t, "dev")
			e.wantEnv(t, "dev", "ENV_TOK", tok2)
			e.waitRestartNeeded(t, "dev", nil)
			for _, text := range []string{e.srv.Output.String(), strings.Join(outs, "\n")} {
				for _, v := range []string{v1, v2, v3, tok1, tok2} {
					if strings.Contains(text, v) {
						t.Fatal("a secret value reached the output")
					}
				}
			}
		})
	}
}

// TestWorkspaceLiveRefresh: a workspace created with --secret-refresh live
// gets a default (restart) file-only secret's update on disk within 2 s,
// in place (same inode, mode kept), and is not flagged for it, while a
// running shell keeps the old value of an env secret and the workspace is
// flagged for that one; a workspace without it keeps the old file and is
// flagged. Turning it on through the CLI pushes the pending file at once;
// turning it off through the API brings the guide's behaviour back. No
// value reaches the CLI's output, the server's log or the agents' logs.
func TestWorkspaceLiveRefresh(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			// The local template with a coder_script that declares a
			// post-refresh command.
			tmpl := t.TempDir()
			src, err := os.ReadFile(filepath.Join(localTemplate(t), "main.tf"))
			if err != nil {
				t.Fatal(err)
			}
			refresh := `
resource "coder_script" "reload" {
  agent_id     = coder_agent.main.id
  display_name = "Reload"
  run_on_start = true
  script       = <<-EOT
    # coder:on-secret-refresh: printf '%s|%s\n' "$CODER_REFRESHED_SECRETS" "$CODER_REFRESHED_FILES" >> "$HOME/refreshed.names"
    echo reload ready
  EOT
}
`
			if err := os.WriteFile(filepath.Join(tmpl, "main.tf"), append(src, refresh...), 0o600); err != nil {
				t.Fatal(err)
			}
			e.sh(t, `coder templates push local -d "$TEMPLATE" -y`, "TEMPLATE="+tmpl)
			v1, v2, v3, tok1, tok2 := canary(t), canary(t), canary(t), canary(t), canary(t)
			env := []string{"V1=" + v1, "V2=" + v2, "V3=" + v3, "T1=" + tok1, "T2=" + tok2}
			e.sh(t, `echo -n "$V1" | coder secret create cfg --file '~/.config/app/cfg'`, env...)
			e.sh(t, `echo -n "$T1" | coder secret create tok --env APP_TOK`, env...)
			out := e.sh(t, `coder create live --template local -y --secret-refresh live`)
			if !strings.Contains(out, "environment variable values still need a restart") {
				t.Fatalf("coder create --secret-refresh live does not say env values need a restart:\n%s", out)
			}
			e.sh(t, `coder create plain --template local -y`)
			for _, ws := range []string{"live", "plain"} {
				e.waitReady(t, ws)
				e.waitRestartNeeded(t, ws, nil)
			}
			if w := e.workspaceNow(t, "live"); w.SecretRefresh != sdk.RefreshLive {
				t.Fatalf("live: secret_refresh %q, want live", w.SecretRefresh)
			}
			if w := e.workspaceNow(t, "plain"); w.SecretRefresh != sdk.RefreshRestart {
				t.Fatalf("plain: secret_refresh %q, want restart", w.SecretRefresh)
			}
			var list []sdk.Workspace
			if err := json.Unmarshal([]byte(e.sh(t, `coder list -o json`)), &list); err != nil || len(list) != 2 || list[0].SecretRefresh != sdk.RefreshLive || list[1].SecretRefresh != sdk.RefreshRestart {
				t.Fatalf("coder list -o json: %v, %+v", err, list)
			}
			if out := e.sh(t, `coder show live`); !strings.Contains(out, "Secret refresh:") || !strings.Contains(out, "live (file-only secrets rewritten in place") {
				t.Fatalf("coder show live does not show the secret refresh mode:\n%s", out)
			}
			livePath := filepath.Join(e.home("live"), ".config", "app", "cfg")
			plainPath := filepath.Join(e.home("plain"), ".config", "app", "cfg")
			waitContent(t, livePath, v1, time.Second)
			waitContent(t, plainPath, v1, time.Second)
			if err := os.Chmod(livePath, 0o640); err != nil {
				t.Fatal(err)
			}
			ino, _ := inodeOf(t, livePath)
			home := e.home("live")
			names := func(ws string) string {
				b, _ := os.ReadFile(filepath.Join(e.home(ws), "refreshed.names"))
				return string(b)
			}
			for _, ws := range []string{"live", "plain"} {
				if got := names(ws); got != "" {
					t.Fatalf("%s: the post-refresh command ran at the first start: %q", ws, got)
				}
			}
			e.ssh(t, "live", `setsid sh -c 'while :; do printf %s "$APP_TOK" > "$HOME/tok.tmp" && mv "$HOME/tok.tmp" "$HOME/tok.out"; sleep 0.1; done' >/dev/null 2>&1 < /dev/null & echo $! > "$HOME/tok.pid"`)
			t.Cleanup(func() {
				if b, err := os.ReadFile(filepath.Join(home, "tok.pid")); err == nil {
					var pid int
					fmt.Sscan(strings.TrimSpace(string(b)), &pid)
					killGroup(pid)
				}
			})

			e.sh(t, `echo -n "$V2" | coder secret update cfg`, env...)
			took := waitContent(t, livePath, v2, 2*time.Second)
			t.Logf("the live workspace's file changed %s after the update returned", took)
			if got, mode := inodeOf(t, livePath); got != ino || mode != 0o640 {
				t.Fatalf("after the refresh: inode %d (was %d), mode %#o (want 0640)", got, ino, mode)
			}
			e.waitRestartNeeded(t, "live", nil)
			e.waitRestartNeeded(t, "plain", []string{"cfg"})
			// The post-refresh command ran with the refreshed name and path.
			wantNames := "cfg|" + livePath + "\n"
			deadline := time.Now().Add(30 * time.Second)
			for names("live") != wantNames {
				if time.Now().After(deadline) {
					t.Fatalf("the post-refresh command's marker: %q, want %q", names("live"), wantNames)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := names("plain"); got != "" {
				t.Fatalf("plain: the post-refresh command ran without a live refresh: %q", got)
			}
			if b, _ := os.ReadFile(plainPath); string(b) != v1 {
				t.Fatal("the workspace without live refresh does not keep the old file until a restart")
			}

			e.sh(t, `echo -n "$T2" | coder secret update tok`, env...)
			e.waitRestartNeeded(t, "live", []string{"tok"})
			e.wantEnv(t, "live", "APP_TOK", tok1)
			if b, _ := os.ReadFile(filepath.Join(home, "tok.out")); string(b) != tok1 {
				t.Fatal("the running shell does not keep the old env value")
			}

			// The CLI turns it on: the pending file arrives at once.
			plainIno, _ := inodeOf(t, plainPath)
			out = e.sh(t, `coder secret-refresh plain live`)
			if !strings.Contains(out, "environment variable values still need a restart") {
				t.Fatalf("coder secret-refresh plain live:\n%s", out)
			}
			waitContent(t, plainPath, v2, 2*time.Second)
			if got, _ := inodeOf(t, plainPath); got != plainIno {
				t.Fatal("turning live refresh on did not rewrite the file in place")
			}
			e.waitRestartNeeded(t, "plain", []string{"tok"})

			// The API turns it off for the other: the guide's behaviour.
			restart := sdk.RefreshRestart
			w, err := e.c.UpdateWorkspace(context.Background(), sdk.Me, "live", sdk.UpdateWorkspaceRequest{SecretRefresh: &restart})
			if err != nil || w.SecretRefresh != sdk.RefreshRestart {
				t.Fatalf("PATCH secret_refresh restart: %v, %q", err, w.SecretRefresh)
			}
			if out := e.sh(t, `coder secret-refresh live`); !strings.Contains(out, "secret refresh: restart") {
				t.Fatalf("coder secret-refresh live:\n%s", out)
			}
			e.sh(t, `echo -n "$V3" | coder secret update cfg`, env...)
			waitContent(t, plainPath, v3, 2*time.Second)
			e.waitRestartNeeded(t, "live", []string{"cfg", "tok"})
			if b, _ := os.ReadFile(livePath); string(b) != v2 {
				t.Fatal("a workspace turned back to restart had its file refreshed live")
			}
			e.restart(t, "live")
			waitContent(t, livePath, v3, 2*time.Second)
			e.waitRestartNeeded(t, "live", nil)

			texts := append([]string{e.srv.Output.String()}, e.outputs...)
			for _, ws := range []string{"live", "plain"} {
				b, _ := os.ReadFile(filepath.Join(e.home(ws), ".coder-agent.log"))
				texts = append(texts, string(b))
			}
			for _, text := range texts {
				for _, v := range []string{v1, v2, v3, tok1, tok2} {
					if strings.Contains(text, v) {
						t.Fatal("a secret value reached the output or a log")
					}
				}
			}
		})
	}
}
