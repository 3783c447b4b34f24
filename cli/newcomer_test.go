package cli_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// TestBuildOutput: a build shows its stages with their timings, and only
// a successful one says the workspace was created; a failed one prints
// its error once, at the end, naming the failing stage.
func TestBuildOutput(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	out := e.sh(t, `coder create dev --template local`)
	prev := -1
	for _, stage := range []string{"init", "plan", "apply", "agent", "scripts"} {
		i := strings.Index(out, "  "+stage+" ")
		if i < 0 || i < prev {
			t.Fatalf("create output lacks the %s stage in order:\n%s", stage, out)
		}
		prev = i
	}
	if !strings.Contains(out, "done in ") || !strings.Contains(out, "connected in ") {
		t.Errorf("create output has no stage timings:\n%s", out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); !strings.Contains(lines[len(lines)-1], `Workspace "dev" created from template "local" and running`) {
		t.Errorf("create's last line is %q, want the success message", lines[len(lines)-1])
	}
	// Quiet by default, Terraform's log with --verbose.
	if strings.Contains(out, "terraform init") {
		t.Errorf("create without --verbose printed Terraform's log:\n%s", out)
	}
	if v := e.sh(t, `coder restart dev --verbose`); !strings.Contains(v, "$ terraform apply") {
		t.Errorf("restart --verbose does not show Terraform's log:\n%s", v)
	}

	e.sh(t, `coder templates push noplan -d "$D"`, "D="+absPath(t, "testdata/noplan"))
	r := e.u.Sh(t, "", `coder create broken --template noplan`, nil, nil)
	if r.ExitCode == 0 {
		t.Fatalf("create from a template that cannot plan succeeded:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stdout+r.Stderr, "created from template") {
		t.Errorf("a failed create says the workspace was created:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "the start build failed at the plan stage") {
		t.Errorf("the error does not name the failing stage:\n%s", r.Stderr)
	}
	if n := strings.Count(r.Stdout+r.Stderr, "Invalid function argument"); n != 1 {
		t.Errorf("Terraform's error appears %d times, want once:\nstdout:\n%s\nstderr:\n%s", n, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stdout, "plan     ... failed") {
		t.Errorf("the plan stage is not marked failed:\n%s", r.Stdout)
	}
}

// TestStartStopAreIdempotent: start on a running workspace and stop on a
// stopped one say so and run no build; --force does.
func TestStartStopAreIdempotent(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder create dev --template local`)
	number := func() int {
		w, err := e.c.Workspace(context.Background(), sdk.Me, "dev")
		if err != nil {
			t.Fatal(err)
		}
		return w.LatestBuild.BuildNumber
	}
	if out := e.sh(t, `coder start dev`); !strings.Contains(out, `Workspace "dev" is already running; nothing to do`) {
		t.Errorf("start on a running workspace: %q", out)
	}
	if n := number(); n != 1 {
		t.Errorf("after start on a running workspace: build #%d, want still #1", n)
	}
	e.sh(t, `coder start dev --force --wait-agent 0`)
	if n := number(); n != 2 {
		t.Errorf("after start --force: build #%d, want #2", n)
	}
	e.sh(t, `coder stop dev`)
	if out := e.sh(t, `coder stop dev`); !strings.Contains(out, `Workspace "dev" is already stopped; nothing to do`) {
		t.Errorf("stop on a stopped workspace: %q", out)
	}
	if n := number(); n != 3 {
		t.Errorf("after stop on a stopped workspace: build #%d, want #3", n)
	}
}

// TestDeleteOrphan: a workspace whose template cannot destroy it cannot be
// deleted by a delete build; --orphan deletes it, warning that what the
// template created stays.
func TestDeleteOrphan(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push nodestroy -d "$D"`, "D="+absPath(t, "testdata/nodestroy"))
	e.sh(t, `coder templates push noplan -d "$D"`, "D="+absPath(t, "testdata/noplan"))
	e.sh(t, `coder create broken --template nodestroy --wait-agent 0`)
	if r := e.u.Sh(t, "", `coder delete broken -y`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "failed at the apply stage") {
		t.Fatalf("delete of a workspace whose template cannot destroy it: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	r := e.u.MustSh(t, "", `coder delete broken --orphan -y`, nil, nil)
	if !strings.Contains(r.Stderr, "is still there; remove it yourself") {
		t.Errorf("delete --orphan does not warn about leftovers:\n%s", r.Stderr)
	}
	if _, err := e.c.Workspace(context.Background(), sdk.Me, "broken"); sdk.StatusCode(err) != 404 {
		t.Errorf("after delete --orphan: got %v, want 404", err)
	}
	// The name is free again.
	_ = e.u.Sh(t, "", `coder create broken --template noplan`, nil, nil)
	if _, err := e.c.Workspace(context.Background(), sdk.Me, "broken"); err != nil {
		t.Errorf("the name of an orphan-deleted workspace is not free: %v", err)
	}
	if r := e.u.Sh(t, "", `coder start broken --force`, nil, nil); r.ExitCode == 0 {
		t.Errorf("start of a broken workspace succeeded")
	}
}

// TestInterruptedCreate: Ctrl-C while `coder create` follows a build says
// that the build goes on and how to follow it; the build does go on.
func TestInterruptedCreate(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder templates push slow -d "$D"`, "D="+absPath(t, "testdata/slowbuild"))
	cmd := exec.Command(clitest.Binary(t), "create", "slow", "--template", "slow")
	cmd.Env = e.u.Env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.srv.DataDir, "workspaces", "slow-once")
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "the build to reach its slow step")
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("an interrupted create exited 0")
	}
	for _, want := range []string{"interrupted: the build goes on on the server", "coder logs slow", "coder show slow", "coder stop slow"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "decode build log") {
		t.Errorf("stderr shows a decoding error:\n%s", stderr.String())
	}
	w, err := e.c.Workspace(context.Background(), sdk.Me, "slow")
	if err != nil || w.LatestBuild.Status != sdk.BuildRunning {
		t.Fatalf("after Ctrl-C: build %+v, %v; want it still running", w.LatestBuild, err)
	}
	if out := e.sh(t, `coder show slow`); !strings.Contains(out, "starting") {
		t.Errorf("coder show of a building workspace: %q", out)
	}
	e.sh(t, `coder stop slow`)
}

// TestFriendlyErrors: the common mistakes get an answer that says what to
// do.
func TestFriendlyErrors(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `echo -n v | coder secret create api-key --env API_KEY`)
	e.sh(t, `coder create dev --template local --wait-agent 0`)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, script string
		env          []string
		want         []string
	}{
		{"server down", `coder secret list`, []string{"CODER_URL=" + closed},
			[]string{"cannot reach the server at " + closed + " (connection refused)", "Is the server running", "coder server"}},
		{"login to a server that is down", `coder login "$U" --username a --password b`, []string{"U=" + closed},
			[]string{"cannot reach the server at " + closed}},
		{"secret name typo", `coder secret delete api-kye -y`, nil, []string{`Secret "api-kye" not found`, `Did you mean "api-key"?`}},
		{"secret name typo in update", `coder secret update api_key --description x`, nil, []string{`Did you mean "api-key"?`}},
		{"workspace name typo", `coder start dve`, nil, []string{`Workspace "dve" not found`, `Did you mean "dev"?`}},
		{"template name typo", `coder create other --template locl`, nil, []string{`Template "locl" not found`, `Did you mean "local"?`}},
		{"no close name", `coder show zzzzzzzz`, nil, []string{`Workspace "zzzzzzzz" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.u.Sh(t, "", tt.script, tt.env, nil)
			if r.ExitCode == 0 {
				t.Fatalf("%s: exit 0, want an error", tt.script)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("%s: stderr lacks %q:\n%s", tt.script, w, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, "dial tcp") {
				t.Errorf("%s: stderr shows the raw dial error:\n%s", tt.script, r.Stderr)
			}
		})
	}
	if r := e.u.Sh(t, "", `coder show zzzzzzzz`, nil, nil); strings.Contains(r.Stderr, "Did you mean") {
		t.Errorf("a far name got a suggestion:\n%s", r.Stderr)
	}

	// An expired token: one that lives a second.
	tok, err := e.c.CreateToken(context.Background(), sdk.Me, sdk.CreateTokenRequest{Lifetime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	expired := sdk.New(e.c.URL)
	expired.SessionToken = tok.Key
	waitFor(t, 10*time.Second, func() bool {
		_, err := expired.User(context.Background(), sdk.Me)
		return sdk.StatusCode(err) == 401
	}, "the token to expire")
	r := e.u.Sh(t, "", `coder list`, []string{"CODER_SESSION_TOKEN=" + tok.Key}, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "The session token has expired. Log in again with `coder login`.") {
		t.Errorf("coder list with an expired token: exit %d\n%s", r.ExitCode, r.Stderr)
	}
}

// TestVersionLoginAndCompletion: `coder version` (and -o json), `coder
// login` without a URL, and shell completion of names.
func TestVersionLoginAndCompletion(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	var v struct {
		Version, ServerVersion, ServerURL string
	}
	out := e.sh(t, `coder version -o json`)
	var raw map[string]string
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("coder version -o json: %v\n%s", err, out)
	}
	v.Version, v.ServerVersion, v.ServerURL = raw["version"], raw["server_version"], raw["server_url"]
	if v.Version == "" || v.ServerVersion != v.Version || v.ServerURL != e.srv.URL {
		t.Errorf("coder version -o json: %+v; want the CLI's and the server's version and URL %s", v, e.srv.URL)
	}
	if out := e.sh(t, `coder version`); !strings.HasPrefix(out, "coder "+v.Version) {
		t.Errorf("coder version: %q", out)
	}
	// Without a login the CLI's version still prints.
	other := clitest.NewUser(t)
	if r := other.MustSh(t, "", `coder version`, nil, nil); !strings.Contains(r.Stdout, v.Version) || strings.Contains(r.Stdout, "server") {
		t.Errorf("coder version logged out: %q", r.Stdout)
	}

	r := e.u.MustSh(t, "", `coder login --username alice --password correct-horse-battery`, nil, nil)
	if !strings.Contains(r.Stderr, "Logging in to "+e.srv.URL) || !strings.Contains(r.Stdout, "logged in") {
		t.Errorf("login without URL: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	if r := other.Sh(t, "", `coder login --username a --password b`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "no server URL") {
		t.Errorf("login without URL and no stored one: exit %d %q", r.ExitCode, r.Stderr)
	}

	e.sh(t, `echo -n v | coder secret create api-key --env API_KEY`)
	e.sh(t, `echo -n v | coder secret create other-key --env OTHER`)
	e.sh(t, `coder create dev --template local --wait-agent 0`)
	tests := []struct{ line, want, not string }{
		{`coder __complete start ""`, "dev", "api-key"},
		{`coder __complete secret delete api`, "api-key", "other-key"},
		{`coder __complete secret update ""`, "other-key", "dev"},
		{`coder __complete create x --template ""`, "local", "dev"},
	}
	for _, tt := range tests {
		out := e.sh(t, tt.line)
		if !strings.Contains(out, tt.want+"\n") || strings.Contains(out, tt.not+"\n") {
			t.Errorf("%s: got %q, want %q and not %q", tt.line, out, tt.want, tt.not)
		}
	}
	if out := e.sh(t, `coder completion bash`); !strings.Contains(out, "__start_coder") {
		t.Errorf("coder completion bash does not print a bash script")
	}
}

// TestServerEnvironmentAndDataDirLock: every server flag has a CODER_*
// variable (the limits among them), Coder's name for the key variable is
// accepted, and a second server on one embedded data folder is refused
// with a clear message.
func TestServerEnvironmentAndDataDirLock(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	second := exec.Command(clitest.Binary(t), "server", "--http-address", "127.0.0.1:0", "--data-dir", srv.DataDir)
	second.Env = clitest.BaseEnv(t.TempDir())
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another coder server (pid ") || !strings.Contains(string(out), "is using the data folder "+srv.DataDir) {
		t.Errorf("a second server on the same data folder: err %v\n%s", err, out)
	}

	dir := t.TempDir()
	cmd := exec.Command(clitest.Binary(t), "server", "--http-address", "127.0.0.1:0", "--data-dir", dir)
	key := "k8ZbZSQtZsFd1Ji4F7yR7cZ2Ud8bE3fXdpO7f0r0E1Q="
	cmd.Env = append(clitest.BaseEnv(t.TempDir()), "CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS="+key, "CODER_MAX_SECRETS_PER_USER=1", "CODER_LOG_JSON=true")
	buf := &clitest.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(buf.String(), "Started HTTP listener") }, "the server to listen")
	if _, err := os.Stat(filepath.Join(dir, "secrets.key")); err == nil {
		t.Errorf("with CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS the server still made a key file")
	}
	if !strings.Contains(buf.String(), `"msg":"encryption keys loaded"`) {
		t.Errorf("CODER_LOG_JSON=true: no JSON log line:\n%s", buf.String())
	}
	url := ""
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(l, "Started HTTP listener at ") {
			url = strings.TrimPrefix(l, "Started HTTP listener at ")
		}
	}
	u := clitest.NewUser(t)
	u.MustSh(t, "", `coder login "$U" --first-user-username a --first-user-email a@example.com --first-user-password 'a long password'`, []string{"U=" + url}, nil)
	u.MustSh(t, "", `echo -n one | coder secret create one --env ONE`, nil, nil)
	if r := u.Sh(t, "", `echo -n two | coder secret create two --env TWO`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "limit of 1 secrets") {
		t.Errorf("CODER_MAX_SECRETS_PER_USER=1: a second secret: exit %d, stderr %q; want the limit", r.ExitCode, r.Stderr)
	}
	if key != "" && strings.Contains(buf.String(), key) {
		t.Errorf("the server logged its encryption key")
	}

	bad := exec.Command(clitest.Binary(t), "server", "--http-address", "127.0.0.1:0", "--data-dir", t.TempDir())
	bad.Env = append(clitest.BaseEnv(t.TempDir()), "CODER_MAX_SECRETS_PER_USER=many")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), `$CODER_MAX_SECRETS_PER_USER="many" is not a whole number`) {
		t.Errorf("a bad CODER_MAX_SECRETS_PER_USER: err %v\n%s", err, out)
	}
}

// onTerminal runs a coder command line with a terminal as its stdin and
// stdout, answers the first [y/N] question with answer, and returns
// everything it printed and its exit code.
func onTerminal(t *testing.T, u *clitest.User, answer string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(clitest.Binary(t), args...)
	cmd.Env = u.Env
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start %v on a pty: %v", args, err)
	}
	defer tty.Close()
	var out strings.Builder
	buf := make([]byte, 4096)
	answered := false
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := tty.Read(buf)
		out.Write(buf[:n])
		if !answered && strings.Contains(out.String(), "[y/N]") {
			_, _ = tty.Write([]byte(answer + "\n"))
			answered = true
		}
		if err != nil {
			break
		}
	}
	_ = cmd.Wait()
	return out.String(), cmd.ProcessState.ExitCode()
}

// TestQuestionsOnATerminal: on a terminal, create, restart and a push
// over an existing template ask first (-y does not); scripts (no
// terminal) are never asked, as the README's quickstart shows.
func TestQuestionsOnATerminal(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	out, code := onTerminal(t, e.u, "n", "templates", "push", "local", "-d", localTemplate(t))
	if code == 0 || !strings.Contains(out, `Template "local" is at version 1: push`) || !strings.Contains(out, "not pushed") {
		t.Errorf("push over an existing template, answered n: exit %d\n%s", code, out)
	}
	if tmpl, err := e.c.Template(context.Background(), "local"); err != nil || tmpl.ActiveVersion != 1 {
		t.Errorf("after a refused push: version %d (%v), want 1", tmpl.ActiveVersion, err)
	}
	if out, code := onTerminal(t, e.u, "", "templates", "push", "local", "-d", localTemplate(t), "-y"); code != 0 || strings.Contains(out, "[y/N]") {
		t.Errorf("push -y on a terminal: exit %d\n%s", code, out)
	}
	out, code = onTerminal(t, e.u, "n", "create", "dev", "--template", "local")
	if code == 0 || !strings.Contains(out, `Create workspace "dev" from template "local"?`) || !strings.Contains(out, "not created") {
		t.Errorf("create answered n: exit %d\n%s", code, out)
	}
	if _, err := e.c.Workspace(context.Background(), sdk.Me, "dev"); sdk.StatusCode(err) != 404 {
		t.Errorf("a refused create made the workspace: %v", err)
	}
	out, code = onTerminal(t, e.u, "y", "create", "dev", "--template", "local", "--wait-agent", "0")
	if code != 0 || !strings.Contains(out, "created from template") {
		t.Errorf("create answered y: exit %d\n%s", code, out)
	}
	out, code = onTerminal(t, e.u, "n", "restart", "dev")
	if code == 0 || !strings.Contains(out, "not restarted") {
		t.Errorf("restart answered n: exit %d\n%s", code, out)
	}
}

// TestCoderV2Template: a template written for terraform-provider-coder v2
// (parameters with options and validation, apps with a healthcheck, a
// command app, metadata) runs as a workspace; a parameter's default
// reaches the workspace through coder_env.
func TestCoderV2Template(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	// The local example template, plus a file of v2 types.
	dir := t.TempDir()
	for src, dst := range map[string]string{
		filepath.Join(localTemplate(t), "main.tf"): "main.tf",
		absPath(t, "testdata/v2template/v2.tf"):    "v2.tf",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.sh(t, `coder templates push v2 -d "$D"`, "D="+dir)
	e.sh(t, `coder create app-ws --template v2`)
	if got := strings.TrimSpace(e.ssh(t, "app-ws", "printenv REGION")); got != "eu-west/2" {
		t.Errorf("REGION in the workspace: got %q, want the parameters' defaults eu-west/2", got)
	}
	e.sh(t, `coder delete app-ws -y`)
}

// TestOneAgentPerWorkspace: a start of the local template stops an agent
// that an earlier start left running without a stop (here: the workspace
// was deleted with --orphan, then created again under the same name), so
// a workspace never runs two agents.
func TestOneAgentPerWorkspace(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	e.sh(t, `coder create dev --template local`)
	pidfile := filepath.Join(e.home("dev"), ".coder-agent.pid")
	first := waitForFile(t, pidfile)
	if !processAlive(first) {
		t.Fatalf("the first agent (pid %d) is not running", first)
	}
	e.sh(t, `coder delete dev --orphan -y`)
	if !processAlive(first) {
		t.Fatalf("delete --orphan stopped the agent; the test needs it left behind")
	}
	e.sh(t, `coder create dev --template local`)
	second := waitForFile(t, pidfile)
	if second == first {
		t.Fatalf("the second start did not start an agent of its own")
	}
	waitFor(t, 10*time.Second, func() bool { return !processAlive(first) }, "the earlier agent to stop")
	if got := strings.TrimSpace(e.ssh(t, "dev", "echo ok")); got != "ok" {
		t.Errorf("a session in the new workspace: %q", got)
	}
}

// TestDeleteOrphanWithUnreadableState: a workspace whose sealed state was
// altered cannot be stopped (the state does not open), and `coder delete
// --orphan` still removes it, on both databases.
func TestDeleteOrphanWithUnreadableState(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			e.sh(t, `coder create dev --template local`)
			st, _ := e.srv.OpenStore(t)
			ws := st.(store.WorkspaceStore)
			ctx := context.Background()
			w, err := ws.GetWorkspaceByOwnerAndName(ctx, e.me.ID, "dev")
			if err != nil {
				t.Fatal(err)
			}
			ct, keyID, err := ws.GetWorkspaceState(ctx, w.ID)
			if err != nil || ct == nil {
				t.Fatalf("the workspace's state: %v (%d bytes)", err, len(ct))
			}
			altered := append([]byte(nil), ct...)
			altered[len(altered)-1] ^= 0xff
			if err := ws.ReplaceWorkspaceState(ctx, w.ID, keyID, altered, keyID); err != nil {
				t.Fatal(err)
			}
			if r := e.u.Sh(t, "", `coder stop dev`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "state") {
				t.Fatalf("stop with an altered state: exit %d\n%s", r.ExitCode, r.Stderr)
			}
			e.sh(t, `coder delete dev --orphan -y`)
			if _, err := e.c.Workspace(ctx, sdk.Me, "dev"); sdk.StatusCode(err) != 404 {
				t.Errorf("after delete --orphan: got %v, want 404", err)
			}
			clitest.KillLocalAgents(e.srv.DataDir)
		})
	}
}
