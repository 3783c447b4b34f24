//go:build linux

package agent_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/usersecrets/coder/agent"
	"github.com/usersecrets/coder/agent/agenttest"
	"github.com/usersecrets/coder/sdk"
)

// logsOf returns the uploaded lines of one script.
func logsOf(srv *agenttest.Server, source string) []string {
	var out []string
	for _, l := range srv.Logs() {
		if l.Source == source {
			out = append(out, l.Output)
		}
	}
	return out
}

// waitFile waits until path exists.
func waitFile(t *testing.T, srv *agenttest.Server, path string) {
	t.Helper()
	srv.WaitFor(t, wait, filepath.Base(path), func() bool { return exists(path) })
}

// TestStartScriptsRunInParallel runs two startup scripts that each wait for
// the other to have started: the agent is ready only if they ran at once.
func TestStartScriptsRunInParallel(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	rendezvous := func(mine, theirs string) string {
		return `touch "$HOME/` + mine + `"
for i in $(seq 1 300); do [ -f "$HOME/` + theirs + `" ] && { echo "met ` + theirs + `"; exit 0; }; sleep 0.1; done
echo "never met ` + theirs + `"; exit 1`
	}
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{
		startupScript("A", rendezvous("a", "b")),
		startupScript("B", rendezvous("b", "a")),
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitFor(t, wait, "the end of the startup", func() bool {
		l := srv.Lifecycle()
		return slices.Contains(l, sdk.LifecycleReady) || slices.Contains(l, sdk.LifecycleStartError)
	})
	if diff := cmp.Diff([]string{sdk.LifecycleStarting, sdk.LifecycleReady}, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}
	if got := logsOf(srv, "A"); !slices.Equal(got, []string{"met b"}) {
		t.Errorf("logs of A: got %q, want [met b]", got)
	}
	if got := logsOf(srv, "B"); !slices.Equal(got, []string{"met a"}) {
		t.Errorf("logs of B: got %q, want [met a]", got)
	}
	proc.Stop(t)
}

// TestStopScripts stops a real agent with SIGTERM and checks that its
// run_on_stop scripts ran then (not at start), with the session
// environment, their output redacted and uploaded before "off"; that one
// that outlives its timeout is stopped and reported failed; and that the
// agent exits soon after.
func TestStopScripts(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	const value = "stop-secret-4b1d"
	m := baseManifest()
	m.Secrets = []sdk.WorkspaceSecret{{Name: "k", EnvName: "K", Value: value}}
	m.Scripts = []sdk.AgentScript{
		startupScript("Start", `echo started`),
		{DisplayName: "Save", RunOnStop: true, Script: `echo "saving with $K"; printf %s "$K" > "$HOME/saved"`},
		{DisplayName: "Stuck", RunOnStop: true, TimeoutSeconds: 1, Script: "#!/bin/sh\necho stuck\nsleep 120\necho after\n"},
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	if exists(filepath.Join(home, "saved")) {
		t.Fatalf("a run_on_stop script ran at start")
	}
	start := time.Now()
	if code := proc.Stop(t); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
	took := time.Since(start)
	if took > 20*time.Second {
		t.Errorf("the agent took %s to stop, want about the stuck script's 1s timeout", took)
	}
	sameValue(t, "~/saved", readFile(t, filepath.Join(home, "saved")), value)
	want := []string{sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleShutdown, sdk.LifecycleOff}
	if diff := cmp.Diff(want, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}
	if got := logsOf(srv, "Save"); !slices.Equal(got, []string{"saving with ********"}) {
		t.Errorf("logs of Save: got %q, want the redacted line", got)
	}
	if got := logsOf(srv, "Stuck"); !slices.Equal(got, []string{"stuck"}) {
		t.Errorf("logs of Stuck: got %q, want [stuck]", got)
	}
	out := proc.Output.String()
	if !strings.Contains(out, `msg="shutdown script failed" script=Stuck err="script timed out after 1s"`) {
		t.Errorf("agent log: got no timeout of the stuck stop script in\n%s", out)
	}
	if !strings.Contains(out, `msg="shutdown script finished" script=Save`) {
		t.Errorf("agent log: got no end of the Save stop script in\n%s", out)
	}
	noValues(t, "the agent's log", out, value, srv.Token)
}

// TestCronScripts checks that a script with a cron schedule runs on it
// while the agent runs (and not at start unless run_on_start says so),
// that a schedule the agent cannot read is reported, and that nothing runs
// after the agent stopped.
func TestCronScripts(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{
		{DisplayName: "Tick", Cron: "* * * * * *", Script: `echo tick >> "$HOME/ticks"; echo tick`},
		{DisplayName: "Five fields", Cron: "*/2 * * * *", Script: `echo five >> "$HOME/five"`},
		{DisplayName: "Bad", Cron: "99 * * * * *", Script: `touch "$HOME/bad-ran"`},
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	srv.WaitFor(t, wait, "three runs of Tick", func() bool {
		b, _ := os.ReadFile(filepath.Join(home, "ticks"))
		return strings.Count(string(b), "tick") >= 3
	})
	waitFile(t, srv, filepath.Join(home, "five"))
	srv.WaitFor(t, wait, "the uploaded lines of Tick", func() bool { return len(logsOf(srv, "Tick")) >= 3 })
	if got := logsOf(srv, "Bad"); len(got) != 1 || !strings.Contains(got[0], `cannot read this script's cron schedule "99 * * * * *"`) {
		t.Errorf("logs of Bad: got %q, want one line saying its schedule cannot be read", got)
	}
	proc.Stop(t)
	if exists(filepath.Join(home, "bad-ran")) {
		t.Errorf("the script with an unreadable schedule ran")
	}
	before := readFile(t, filepath.Join(home, "ticks"))
	time.Sleep(2500 * time.Millisecond)
	if after := readFile(t, filepath.Join(home, "ticks")); after != before {
		t.Errorf("Tick ran after the agent stopped: %q, then %q", before, after)
	}
	if !strings.Contains(proc.Output.String(), `msg="scheduled script" script=Tick cron="* * * * * *"`) {
		t.Errorf("agent log: got no schedule of Tick in\n%s", proc.Output.String())
	}
}

// TestScriptLogPath checks log_path: the output goes to the file as well
// as to the server, redacted, appended; a relative path is in the agent's
// temporary directory, "~/" is in the home directory, missing parents are
// made; and a log file that cannot be opened does not stop the script.
func TestScriptLogPath(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	tmp := t.TempDir()
	abs := filepath.Join(t.TempDir(), "abs.log")
	if err := os.WriteFile(abs, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const value = "logpath-secret-77e1"
	m := baseManifest()
	m.Secrets = []sdk.WorkspaceSecret{{Name: "k", EnvName: "K", Value: value}}
	m.Scripts = []sdk.AgentScript{
		{DisplayName: "Relative", RunOnStart: true, LogPath: "scripts/relative.log", Script: `echo "one $K"; echo two >&2`},
		{DisplayName: "Home", RunOnStart: true, LogPath: "~/logs/home.log", Script: `echo home`},
		{DisplayName: "Absolute", RunOnStart: true, LogPath: abs, Script: `echo appended`},
		{DisplayName: "Unopenable", RunOnStart: true, LogPath: "/proc/nope/x.log", Script: `echo still runs; touch "$HOME/unopenable-ran"`},
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home, "TMPDIR="+tmp)
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	proc.Stop(t)

	rel := filepath.Join(tmp, "scripts", "relative.log")
	if got, want := readFile(t, rel), "one ********\ntwo\n"; got != want {
		t.Errorf("%s: got %q, want %q", rel, got, want)
	}
	if got := fileMode(t, rel); got != 0o600 {
		t.Errorf("mode of %s: got %v, want -rw-------", rel, got)
	}
	if got := readFile(t, filepath.Join(home, "logs", "home.log")); got != "home\n" {
		t.Errorf("~/logs/home.log: got %q, want %q", got, "home\n")
	}
	if got := readFile(t, abs); got != "earlier\nappended\n" {
		t.Errorf("%s: got %q, want the line appended", abs, got)
	}
	if !exists(filepath.Join(home, "unopenable-ran")) {
		t.Errorf("the script whose log file cannot be opened did not run")
	}
	if got := logsOf(srv, "Unopenable"); !slices.Equal(got, []string{"still runs"}) {
		t.Errorf("logs of Unopenable: got %q, want [still runs]", got)
	}
	if got := logsOf(srv, "Relative"); !slices.Equal(got, []string{"one ********", "two"}) {
		t.Errorf("logs of Relative: got %q", got)
	}
	if !strings.Contains(proc.Output.String(), "cannot create the script's log directory") &&
		!strings.Contains(proc.Output.String(), "cannot open the script's log file") {
		t.Errorf("agent log: got no warning about the unopenable log file in\n%s", proc.Output.String())
	}
	noValues(t, "the agent's log", proc.Output.String(), value, srv.Token)
}

// sshSession opens an SSH session to the agent through srv, as the server
// relays `coder ssh`.
func sshSession(t *testing.T, srv *agenttest.Server) *gossh.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := srv.OpenStream(ctx)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	conn, chans, reqs, err := gossh.NewClientConn(c, "agent", &gossh.ClientConfig{User: "coder", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatalf("ssh handshake: %v", err)
	}
	client := gossh.NewClient(conn, chans, reqs)
	t.Cleanup(func() { client.Close() })
	s, err := client.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	return s
}

type sessionResult struct {
	stdout, stderr string
	err            error
}

// runSession runs command in a new session in the background.
func runSession(t *testing.T, srv *agenttest.Server, command string) (<-chan sessionResult, *agenttest.SyncBuffer) {
	t.Helper()
	s := sshSession(t, srv)
	var stdout bytes.Buffer
	stderr := &agenttest.SyncBuffer{}
	s.Stdout, s.Stderr = &stdout, stderr
	done := make(chan sessionResult, 1)
	go func() {
		err := s.Run(command)
		done <- sessionResult{stdout.String(), stderr.String(), err}
	}()
	return done, stderr
}

// TestStartBlocksLogin checks that SSH sessions to a real agent wait for
// the startup scripts with start_blocks_login, and only those: a session
// opened while they run is told it waits, starts once they have ended, and
// is warned when one failed or timed out; a later session is told nothing.
func TestStartBlocksLogin(t *testing.T) {
	t.Parallel()
	const (
		waitMsg    = "Waiting for the workspace's startup scripts that block login to finish...\n"
		failMsg    = "Warning: a startup script that blocks login failed; the workspace may be incomplete.\n"
		timeoutMsg = "Warning: a startup script that blocks login timed out; the workspace may be incomplete.\n"
	)
	// The blocking script waits for the test to release it.
	blocker := func(end string) string {
		return `while [ ! -f "$HOME/release" ]; do sleep 0.05; done; echo blocker > "$HOME/blocker-done"; ` + end
	}
	// A non-blocking script that outlives the session: logins do not wait
	// for it.
	slow := sdk.AgentScript{DisplayName: "Slow", RunOnStart: true, Script: `while [ ! -f "$HOME/release-slow" ]; do sleep 0.05; done`}
	tests := []struct {
		name    string
		scripts []sdk.AgentScript
		warning string
	}{
		{"succeeds", []sdk.AgentScript{{DisplayName: "Blocker", RunOnStart: true, StartBlocksLogin: true, Script: blocker("exit 0")}, slow}, ""},
		{"fails", []sdk.AgentScript{{DisplayName: "Blocker", RunOnStart: true, StartBlocksLogin: true, Script: blocker("exit 4")}, slow}, failMsg},
		{"times out", []sdk.AgentScript{
			{DisplayName: "Blocker", RunOnStart: true, StartBlocksLogin: true, Script: blocker("exit 0")},
			{DisplayName: "Hangs", RunOnStart: true, StartBlocksLogin: true, TimeoutSeconds: 2, Script: "sleep 120"},
			slow,
		}, timeoutMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			m := baseManifest()
			m.Scripts = tt.scripts
			srv := agenttest.NewServer(t, m)
			proc := agenttest.StartAgent(t, srv, home)
			srv.WaitFor(t, wait, "the connection", srv.Connected)

			done, stderr := runSession(t, srv, `cat "$HOME/blocker-done"`)
			srv.WaitFor(t, wait, "the wait message", func() bool { return stderr.String() == waitMsg })
			select {
			case r := <-done:
				t.Fatalf("the session ended before the blocking script did: %+v", r)
			case <-time.After(time.Second):
			}
			if err := os.WriteFile(filepath.Join(home, "release"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			var r sessionResult
			select {
			case r = <-done:
			case <-time.After(wait):
				t.Fatalf("the session did not end after the blocking scripts did")
			}
			if r.err != nil || r.stdout != "blocker\n" {
				t.Errorf("session: got stdout %q, err %v; want the blocker's file", r.stdout, r.err)
			}
			if want := waitMsg + tt.warning; r.stderr != want {
				t.Errorf("session stderr: got %q, want %q", r.stderr, want)
			}
			if slices.Contains(srv.Lifecycle(), sdk.LifecycleReady) || slices.Contains(srv.Lifecycle(), sdk.LifecycleStartError) {
				t.Errorf("lifecycle: got %v before the slow script ended, want starting", srv.Lifecycle())
			}

			// Later sessions wait for nothing and are told nothing.
			done, _ = runSession(t, srv, "echo later")
			select {
			case r = <-done:
			case <-time.After(wait):
				t.Fatalf("a later session did not end")
			}
			if r.err != nil || r.stdout != "later\n" || r.stderr != "" {
				t.Errorf("later session: got stdout %q stderr %q err %v, want later and no stderr", r.stdout, r.stderr, r.err)
			}

			if err := os.WriteFile(filepath.Join(home, "release-slow"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			want := sdk.LifecycleReady
			if tt.warning != "" {
				want = sdk.LifecycleStartError
			}
			srv.WaitLifecycle(t, wait, want)
			proc.Stop(t)
		})
	}
}

// TestNoBlockingScripts checks that without start_blocks_login scripts a
// session does not wait for the startup scripts.
func TestNoBlockingScripts(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{{DisplayName: "Slow", RunOnStart: true, Script: `while [ ! -f "$HOME/release" ]; do sleep 0.05; done`}}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitFor(t, wait, "the connection", srv.Connected)
	done, _ := runSession(t, srv, "echo now")
	var r sessionResult
	select {
	case r = <-done:
	case <-time.After(wait):
		t.Fatalf("the session waited for a script that does not block login")
	}
	if r.err != nil || r.stdout != "now\n" || r.stderr != "" {
		t.Errorf("session: got stdout %q stderr %q err %v", r.stdout, r.stderr, r.err)
	}
	if err := os.WriteFile(filepath.Join(home, "release"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	proc.Stop(t)
}

// TestScriptsInProcess runs every kind of script in an agent in this
// process (so that the race detector sees the agent's side): parallel
// startup scripts, one blocking logins, a scheduled one, a stop script.
func TestScriptsInProcess(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{
		{DisplayName: "Blocker", RunOnStart: true, StartBlocksLogin: true, Script: `while [ ! -f "$HOME/release" ]; do sleep 0.05; done`},
		startupScript("Other", `echo other`),
		{DisplayName: "Tick", Cron: "* * * * * *", Script: `echo tick >> "$HOME/ticks"`},
		{DisplayName: "Stop", RunOnStop: true, Script: `touch "$HOME/stopped"`},
	}
	srv := agenttest.NewServer(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	a := agent.New(agent.Options{
		URL: srv.URL, Token: srv.Token, Home: home, RetryInitial: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Environ: func() []string { return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home} },
	})
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	srv.WaitFor(t, wait, "the connection", srv.Connected)
	waited := make(chan string, 1)
	go func() {
		var b agenttest.SyncBuffer
		a.WaitLogin(context.Background(), &b)
		waited <- b.String()
	}()
	select {
	case s := <-waited:
		t.Fatalf("WaitLogin returned before the blocking script ended: %q", s)
	case <-time.After(500 * time.Millisecond):
	}
	if err := os.WriteFile(filepath.Join(home, "release"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := <-waited; got != "Waiting for the workspace's startup scripts that block login to finish...\n" {
		t.Errorf("WaitLogin wrote %q", got)
	}
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	srv.WaitFor(t, wait, "two ticks", func() bool {
		b, _ := os.ReadFile(filepath.Join(home, "ticks"))
		return strings.Count(string(b), "tick") >= 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	done <- nil
	if !exists(filepath.Join(home, "stopped")) {
		t.Errorf("the stop script did not run")
	}
	want := []string{sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleShutdown, sdk.LifecycleOff}
	if diff := cmp.Diff(want, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}
}
