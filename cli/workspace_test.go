package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// localTemplate is the example template the README's quickstart uses.
func localTemplate(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../examples/templates/local")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// workspaceEnv is a server with the local template pushed and a logged-in
// user: what a new user has after the README's first commands.
type workspaceEnv struct {
	srv *clitest.Server
	u   *clitest.User
	c   *sdk.Client
	me  sdk.User
	// outputs collects every CLI output, to search for values at the end.
	outputs []string
}

func newWorkspaceEnv(t *testing.T, backend string) *workspaceEnv {
	t.Helper()
	requireTerraform(t)
	srv := clitest.StartServer(t, backend)
	u := clitest.NewUser(t)
	login(t, srv, u)
	e := &workspaceEnv{srv: srv, u: u, c: u.Client(t)}
	t.Cleanup(func() {
		if t.Failed() {
			e.logDiagnostics(t)
		}
	})
	me, err := e.c.User(context.Background(), sdk.Me)
	if err != nil {
		t.Fatal(err)
	}
	e.me = me
	e.sh(t, `coder templates push local -d "$TEMPLATE"`, "TEMPLATE="+localTemplate(t))
	return e
}

// logDiagnostics logs, for a failed test, the end of the server's log
// and of each workspace agent's log (neither holds a secret value: the
// tests check that).
func (e *workspaceEnv) logDiagnostics(t *testing.T) {
	t.Logf("the server's log (end):\n%s", tail(e.srv.Output.String(), 80))
	logs, _ := filepath.Glob(filepath.Join(e.srv.DataDir, "workspaces", "*", "*", ".coder-agent.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		t.Logf("the agent log %s (end):\n%s", l, tail(string(b), 40))
	}
	// The processes working in the data folder (a bootstrap or agent
	// that hangs shows here), with their state.
	entries, _ := os.ReadDir("/proc")
	for _, en := range entries {
		cwd, err := os.Readlink(filepath.Join("/proc", en.Name(), "cwd"))
		if err != nil || !strings.HasPrefix(cwd, e.srv.DataDir) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", en.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", en.Name(), "stat"))
		wchan, _ := os.ReadFile(filepath.Join("/proc", en.Name(), "wchan"))
		t.Logf("process %s in %s: %q stat %q wchan %q", en.Name(), cwd, strings.ReplaceAll(string(cmd), "\x00", " "), tail(string(stat), 1)[:min(60, len(stat))], wchan)
	}
}

func requireTerraform(t *testing.T) {
	t.Helper()
	if _, err := lookPath("terraform"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("terraform is not on PATH; CI must install it (make terraform)")
		}
		t.Skip("SKIPPING: terraform is not on PATH (run `make terraform`)")
	}
}

// sh runs a command line as the user and fails the test on a non-zero exit.
func (e *workspaceEnv) sh(t *testing.T, script string, env ...string) string {
	t.Helper()
	r := e.u.MustSh(t, "", script, env, nil)
	e.outputs = append(e.outputs, r.Stdout, r.Stderr)
	return r.Stdout
}

// ssh runs a command in the workspace through `coder ssh` and returns its
// standard output.
func (e *workspaceEnv) ssh(t *testing.T, ws, command string) string {
	t.Helper()
	r := e.u.Sh(t, "", `coder ssh "$WS" -- "$CMD"`, []string{"WS=" + ws, "CMD=" + command}, nil)
	// Only stderr is kept for the final search: these commands print
	// values on purpose.
	e.outputs = append(e.outputs, r.Stderr)
	if r.ExitCode != 0 {
		agentLog, _ := os.ReadFile(filepath.Join(e.home(ws), ".coder-agent.log"))
		t.Fatalf("coder ssh %s -- %s: exit %d\nstderr: %s\nagent log:\n%s\nserver log:\n%s", ws, command, r.ExitCode, r.Stderr, tail(string(agentLog), 40), tail(e.srv.Output.String(), 60))
	}
	return r.Stdout
}

// tail returns the last n lines of s (logs for a failure message; tests
// never log values, and the server and agent never do).
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitReady polls the agent until its startup scripts are done.
func (e *workspaceEnv) waitReady(t *testing.T, ws string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last sdk.WorkspaceAgent
	for {
		a, err := e.c.WorkspaceAgent(ctx, sdk.Me, ws)
		if err == nil {
			last = a
			if a.LifecycleState == sdk.LifecycleReady && a.Connected {
				return
			}
			if a.LifecycleState == sdk.LifecycleStartError {
				t.Fatalf("agent of %s: start_error", ws)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("agent of %s not ready after 2m (last %+v, err %v)\nserver log:\n%s", ws, last, err, e.srv.Output.String())
		case <-tick.C:
		}
	}
}

// home is the workspace's home folder (the local template's layout).
func (e *workspaceEnv) home(ws string) string {
	return filepath.Join(e.srv.DataDir, "workspaces", e.me.Username, ws)
}

func (e *workspaceEnv) restart(t *testing.T, ws string) {
	t.Helper()
	e.sh(t, `coder restart "$WS"`, "WS="+ws)
	e.waitReady(t, ws)
}

func (e *workspaceEnv) printenv(t *testing.T, ws, name string) (string, bool) {
	t.Helper()
	out := e.ssh(t, ws, fmt.Sprintf(`if [ -n "${%s+set}" ]; then printf 'set:%%s' "$%s"; else printf unset; fi`, name, name))
	if v, ok := strings.CutPrefix(out, "set:"); ok {
		return v, true
	}
	if out != "unset" {
		t.Fatalf("printenv %s: unexpected output %q", name, out)
	}
	return "", false
}

func (e *workspaceEnv) wantEnv(t *testing.T, ws, name, want string) {
	t.Helper()
	got, ok := e.printenv(t, ws, name)
	if !ok || got != want {
		// Never print values: say only whether it was set and matched.
		t.Fatalf("%s in a new session: set %v, matches the expected value %v", name, ok, got == want)
	}
}

func (e *workspaceEnv) wantUnset(t *testing.T, ws, name string) {
	t.Helper()
	if _, ok := e.printenv(t, ws, name); ok {
		t.Fatalf("%s is set in a new session, want it unset", name)
	}
}

// fileState is what a workspace file is, as seen through coder ssh.
type fileState struct {
	content string
	mode    os.FileMode
	inode   uint64
}

// readFile looks at a file inside the workspace through `coder ssh`: its
// mode, inode and content.
func (e *workspaceEnv) readFile(t *testing.T, ws, path string) (fileState, bool) {
	t.Helper()
	quoted := shellQuoteTest(path)
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		quoted = `"$HOME"/` + shellQuoteTest(rest)
	}
	out := e.ssh(t, ws, fmt.Sprintf(`p=%s; if [ -f "$p" ]; then stat -c 'exists %%a %%i' "$p"; cat "$p"; else echo missing; fi`, quoted))
	head, content, _ := strings.Cut(out, "\n")
	if head == "missing" {
		return fileState{}, false
	}
	var fs fileState
	var mode uint32
	if _, err := fmt.Sscanf(head, "exists %o %d", &mode, &fs.inode); err != nil {
		t.Fatalf("stat %s in the workspace: unexpected output", path)
	}
	fs.mode, fs.content = os.FileMode(mode), content
	return fs, true
}

func (e *workspaceEnv) wantFile(t *testing.T, ws, path, content string, mode os.FileMode) fileState {
	t.Helper()
	fs, ok := e.readFile(t, ws, path)
	if !ok {
		t.Fatalf("%s does not exist in the workspace", path)
	}
	if fs.content != content || fs.mode != mode {
		t.Fatalf("%s: content matches %v, mode %#o (want %#o)", path, fs.content == content, fs.mode, mode)
	}
	return fs
}

func shellQuoteTest(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestWorkspaceGuide runs the guide's command blocks as written against a
// server with the local template, and checks through `coder ssh` every
// statement about what the running workspace sees: every row of the
// guide's two tables and the Important note, before and after the next
// start, and that user secrets beat coder_env and coder_agent.env.
func TestWorkspaceGuide(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			apiKey, newAPIKey, token := canary(t), canary(t), canary(t)
			tool1, tool2 := `{"token": "`+canary(t)+`"}`+"\n", `{"token": "`+canary(t)+`"}`+"\n"
			greet, kind, fresh := canary(t), canary(t), canary(t)
			work := t.TempDir()
			if err := os.WriteFile(filepath.Join(work, "tool-config.json"), []byte(tool1), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"API_KEY=" + apiKey, "NEW_API_KEY=" + newAPIKey, "TOKEN=" + token, "G=" + greet, "K=" + kind, "F=" + fresh, "TOOL2=" + tool2}
			run := func(script string) {
				t.Helper()
				r := e.u.MustSh(t, work, script, env, nil)
				e.outputs = append(e.outputs, r.Stdout, r.Stderr)
			}

			// The guide's "Create a secret" blocks, as written.
			run(`echo -n "$API_KEY" | coder secret create api-key \
--description "API key for workspace tools" \
--env API_KEY`)
			run(`coder secret create tool-config \
--description "Tool configuration" \
--file ~/.config/tool/config.json \
< ./tool-config.json`)
			run(`echo -n "$TOKEN" | coder secret create service-token \
--description "Service token for workspace tools" \
--env SERVICE_TOKEN \
--file ~/.config/service/token`)
			// Secrets named like the template's own variables.
			run(`echo -n "$G" | coder secret create greeting --env GREETING`)
			run(`echo -n "$K" | coder secret create kind --env WORKSPACE_KIND`)
			run(`coder create dev --template local`)
			e.waitReady(t, "dev")

			// At start: env secrets in every new session; user secrets beat
			// coder_env (GREETING) and coder_agent.env (WORKSPACE_KIND); the
			// agent's token is not there.
			e.wantEnv(t, "dev", "API_KEY", apiKey)
			e.wantEnv(t, "dev", "SERVICE_TOKEN", token)
			e.wantEnv(t, "dev", "GREETING", greet)
			e.wantEnv(t, "dev", "WORKSPACE_KIND", kind)
			e.wantUnset(t, "dev", "CODER_AGENT_TOKEN")
			// Files: parents created 0700, new files 0600.
			toolPath := "~/.config/tool/config.json"
			first := e.wantFile(t, "dev", toolPath, tool1, 0o600)
			e.wantFile(t, "dev", "~/.config/service/token", token, 0o600)
			if out := e.ssh(t, "dev", `stat -c %a ~/.config/tool`); out != "700\n" {
				t.Fatalf("created parent folder mode %q, want 700", out)
			}
			// A process started now keeps its environment through the
			// restart below (the local template keeps processes that left
			// the agent's process group). It renames a new file into place,
			// so a reader never sees the file empty mid-write.
			home := e.home("dev")
			e.ssh(t, "dev", `setsid sh -c 'while :; do printf %s "$API_KEY" > "$HOME/old-process.tmp" && mv "$HOME/old-process.tmp" "$HOME/old-process.out"; sleep 0.2; done' >/dev/null 2>&1 < /dev/null & echo $! > "$HOME/old-process.pid"`)
			t.Cleanup(func() {
				if b, err := os.ReadFile(filepath.Join(home, "old-process.pid")); err == nil {
					var pid int
					fmt.Sscan(strings.TrimSpace(string(b)), &pid)
					killGroup(pid)
				}
			})

			// Changes while the workspace runs: nothing moves until the
			// next start. First the guide's "Update a secret" value block.
			e.ssh(t, "dev", `chmod 640 ~/.config/tool/config.json`)
			run(`# Update a secret value.
echo -n "$NEW_API_KEY" | coder secret update api-key`)
			run(`echo -n "$F" | coder secret create fresh --env FRESH`)
			run(`printf '%s' "$TOOL2" | coder secret update tool-config`)
			run(`coder secret update service-token --file ~/.config/service/token2`)
			run(`coder secret update greeting --env "" --enabled=false`)
			run(`coder secret delete -y kind`)
			e.wantEnv(t, "dev", "API_KEY", apiKey)
			e.wantUnset(t, "dev", "FRESH")
			e.wantEnv(t, "dev", "GREETING", greet)
			e.wantFile(t, "dev", toolPath, tool1, 0o640)

			oldAgent := readPid(t, filepath.Join(home, ".coder-agent.pid"))
			e.restart(t, "dev")
			// The stop ended the old agent (the local template signals its
			// process group); only the new one runs.
			if newAgent := readPid(t, filepath.Join(home, ".coder-agent.pid")); newAgent != oldAgent && processAlive(oldAgent) {
				t.Fatalf("the agent of the previous start (pid %d) still runs after the restart", oldAgent)
			}
			e.wantEnv(t, "dev", "API_KEY", newAPIKey)               // update applies
			e.wantEnv(t, "dev", "FRESH", fresh)                     // create applies
			e.wantEnv(t, "dev", "GREETING", "Hello from coder_env") // env target cleared: the template's value again
			e.wantEnv(t, "dev", "WORKSPACE_KIND", "local")          // secret deleted: the template's value again
			second := e.wantFile(t, "dev", toolPath, tool2, 0o640)  // overwritten, permissions kept
			if second.inode != first.inode {
				t.Fatalf("the file was replaced (inode %d, was %d); it must be written in place", second.inode, first.inode)
			}
			e.wantFile(t, "dev", "~/.config/service/token2", token, 0o600) // new path written
			e.wantFile(t, "dev", "~/.config/service/token", token, 0o600)  // old path stays, old value
			if out := e.ssh(t, "dev", `cat ~/old-process.out`); out != apiKey {
				t.Fatalf("the process started before the restart does not still see the old value")
			}

			// The guide's rename and clear blocks; delete a secret with
			// both targets.
			run(`# Change the environment variable target.
coder secret update api-key --env NEW_API_KEY`)
			run(`# Clear the file injection target while keeping the secret.
coder secret update api-key --file ""`)
			run(`coder secret update tool-config --file "" --enabled=false`)
			run(`coder secret delete -y service-token`)
			e.wantEnv(t, "dev", "API_KEY", newAPIKey)
			e.wantUnset(t, "dev", "NEW_API_KEY")
			e.restart(t, "dev")
			e.wantEnv(t, "dev", "NEW_API_KEY", newAPIKey)                  // rename: the new name...
			e.wantUnset(t, "dev", "API_KEY")                               // ...and the old one unset
			e.wantUnset(t, "dev", "SERVICE_TOKEN")                         // deleted: no longer injected
			e.wantFile(t, "dev", toolPath, tool2, 0o640)                   // cleared target: the file stays with its last value
			e.wantFile(t, "dev", "~/.config/service/token2", token, 0o600) // deleted secret: the file stays

			// Two secrets on one absolute path: one file, and a warning
			// naming both in the agent's log.
			collide := filepath.Join(home, "collide")
			run(`echo -n one | coder secret create collide-a --file ~/collide`)
			e.sh(t, `echo -n two | coder secret create collide-b --file "$P"`, "P="+collide)

			// The guide's "List and delete secrets" blocks, as written.
			r := e.u.MustSh(t, work, `# List all of your secrets.
coder secret list`, nil, nil)
			if !strings.Contains(r.Stdout, "api-key") || !strings.Contains(r.Stdout, "NEW_API_KEY") {
				t.Fatalf("coder secret list:\n%s", r.Stdout)
			}
			r = e.u.MustSh(t, work, `# Show a single secret by name.
coder secret list api-key`, nil, nil)
			if strings.Count(strings.TrimSpace(r.Stdout), "\n") != 1 {
				t.Fatalf("coder secret list api-key:\n%s", r.Stdout)
			}
			r = e.u.MustSh(t, work, `# Delete a secret you no longer need.
coder secret delete api-key`, nil, strings.NewReader("y\n"))
			e.outputs = append(e.outputs, r.Stdout, r.Stderr)
			e.wantEnv(t, "dev", "NEW_API_KEY", newAPIKey) // until the next start
			e.restart(t, "dev")
			e.wantUnset(t, "dev", "NEW_API_KEY")
			if fs, ok := e.readFile(t, "dev", "~/collide"); !ok || (fs.content != "one" && fs.content != "two") {
				t.Fatalf("collided file: exists %v", ok)
			}
			agentLog, err := os.ReadFile(filepath.Join(home, ".coder-agent.log"))
			if err != nil {
				t.Fatal(err)
			}
			if !containsLine(string(agentLog), "collide-a", "collide-b", collide) {
				t.Fatalf("the agent log has no warning naming both secrets and %s:\n%s", collide, agentLog)
			}

			// No value anywhere it must not be: CLI output, the server's
			// log, the agent's log and command line, the stored startup
			// script logs.
			logs, err := e.c.WorkspaceAgentLogs(context.Background(), sdk.Me, "dev")
			if err != nil {
				t.Fatal(err)
			}
			var stored strings.Builder
			for _, l := range logs {
				stored.WriteString(l.Output + "\n")
			}
			if !strings.Contains(stored.String(), "is starting") {
				t.Fatalf("the stored startup script log lacks the startup script's line:\n%s", stored.String())
			}
			places := map[string]string{
				"server log":         e.srv.Output.String(),
				"agent log":          string(agentLog),
				"stored script logs": stored.String(),
				"agent command line": agentCmdline(t, home),
				"CLI output":         strings.Join(e.outputs, "\n"),
			}
			for where, text := range places {
				for _, v := range []string{apiKey, newAPIKey, token, greet, kind, fresh, strings.TrimSpace(tool1), strings.TrimSpace(tool2)} {
					if strings.Contains(text, v) {
						t.Fatalf("the %s holds a secret value", where)
					}
				}
			}
		})
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &pid); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pid
}

// containsLine reports whether one line of text holds every part.
func containsLine(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// agentCmdline returns the command line of the workspace's agent process.
func agentCmdline(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, ".coder-agent.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
	if err != nil {
		t.Fatalf("read the agent's command line: %v", err)
	}
	if !strings.Contains(string(cmdline), "agent") {
		t.Fatalf("process %s is not the agent: %q", pid, cmdline)
	}
	return string(cmdline)
}
