package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestSSHSessions checks `coder ssh`, OpenSSH through `coder ssh --stdio`
// and config-ssh, pty sessions, access control, 50 concurrent sessions and
// that closing the client ends the remote process.
func TestSSHSessions(t *testing.T) {
	if _, err := lookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the OpenSSH client is not installed; CI must install it")
		}
		t.Skip("SKIPPING: no ssh client on PATH")
	}
	e := newWorkspaceEnv(t, "sqlite")
	v1, v2 := canary(t), canary(t)
	env := []string{"API_KEY=" + v1, "NEW_API_KEY=" + v2}
	e.sh(t, `echo -n "$API_KEY" | coder secret create api-key --env API_KEY`, env...)
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")

	// The guide's own words: printenv through coder ssh.
	if out := e.sh(t, `coder ssh dev -- printenv API_KEY`); out != v1+"\n" {
		t.Fatalf("coder ssh dev -- printenv API_KEY: output matches the secret %v", out == v1+"\n")
	}
	// Exit codes and stderr come back.
	r := e.u.Sh(t, "", `coder ssh dev -- 'echo oops >&2; exit 7'`, nil, nil)
	if r.ExitCode != 7 || !strings.Contains(r.Stderr, "oops") {
		t.Fatalf("remote exit: code %d stderr %q, want 7 and oops", r.ExitCode, r.Stderr)
	}
	// stdin reaches the remote command.
	if out := e.u.MustSh(t, "", `printf 'abc' | coder ssh dev -- 'cat; echo'`, nil, nil).Stdout; out != "abc\n" {
		t.Fatalf("stdin through ssh: got %q, want abc", out)
	}

	// OpenSSH with coder ssh --stdio as its ProxyCommand, by hand and
	// through config-ssh; and a pty session.
	proxy := fmt.Sprintf("%s --global-config %s ssh --stdio %%h", clitest.Binary(t), e.u.ConfigDir)
	sshArgs := `-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`
	out := e.sh(t, `ssh `+sshArgs+` -o ProxyCommand="$PROXY" coder.dev printenv API_KEY`, "PROXY="+proxy)
	if out != v1+"\n" {
		t.Fatalf("OpenSSH printenv: matches the secret %v", out == v1+"\n")
	}
	out = e.sh(t, `ssh `+sshArgs+` -tt -o ProxyCommand="$PROXY" coder.dev 'printenv API_KEY; tty >/dev/null && echo is-a-tty'`, "PROXY="+proxy)
	if !strings.Contains(out, v1) || !strings.Contains(out, "is-a-tty") {
		t.Fatalf("OpenSSH pty session: has the secret %v, has a tty %v", strings.Contains(out, v1), strings.Contains(out, "is-a-tty"))
	}
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	e.sh(t, `coder config-ssh --ssh-config-file "$CFG"`, "CFG="+cfg)
	if out := e.sh(t, `ssh -F "$CFG" coder.dev printenv API_KEY`, "CFG="+cfg); out != v1+"\n" {
		t.Fatalf("ssh with the config-ssh entry: matches the secret %v", out == v1+"\n")
	}
	out = e.sh(t, `coder ssh -t dev -- 'printenv API_KEY; tty >/dev/null && echo is-a-tty'`)
	if !strings.Contains(out, v1) || !strings.Contains(out, "is-a-tty") {
		t.Fatalf("coder ssh -t: has the secret %v, has a tty %v", strings.Contains(out, v1), strings.Contains(out, "is-a-tty"))
	}

	// Another user's token cannot open a session.
	c := e.u.Client(t)
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, sdk.CreateUserRequest{Username: "mallory", Email: "m@example.com", Password: "mallory-password"}); err != nil {
		t.Fatal(err)
	}
	other := clitest.NewUser(t)
	other.MustSh(t, "", `coder login "$URL" --username mallory --password mallory-password`, []string{"URL=" + e.srv.URL}, nil)
	r = other.Sh(t, "", `coder ssh "$OWNER_WS" -- printenv API_KEY`, []string{"OWNER_WS=dev"}, nil)
	if r.ExitCode == 0 || strings.Contains(r.Stdout, v1) {
		t.Fatal("another user opened a session to a workspace named dev")
	}
	mal := sdk.New(c.URL)
	res, err := mal.Login(ctx, sdk.LoginRequest{Username: "mallory", Password: "mallory-password"})
	if err != nil {
		t.Fatal(err)
	}
	mal.SessionToken = res.SessionToken
	if _, err := mal.DialWorkspace(ctx, e.me.Username, "dev"); sdk.StatusCode(err) != http.StatusForbidden {
		t.Fatalf("another user dials the workspace: got %v, want 403", err)
	}
	if _, err := mal.DialWorkspace(ctx, sdk.Me, "dev"); sdk.StatusCode(err) != http.StatusNotFound {
		t.Fatalf("another user dials their own (missing) dev: got %v, want 404", err)
	}
	anon := sdk.New(c.URL)
	if _, err := anon.DialWorkspace(ctx, e.me.Username, "dev"); sdk.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("no token: got %v, want 401", err)
	}

	// 50 concurrent sessions all get the right environment.
	var wg sync.WaitGroup
	results := make([]string, 50)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.u.Sh(t, "", `coder ssh dev -- printenv API_KEY`, nil, nil)
			results[i] = r.Stdout
			if r.ExitCode != 0 {
				results[i] = fmt.Sprintf("exit %d: %s", r.ExitCode, r.Stderr)
			}
		}()
	}
	wg.Wait()
	for i, got := range results {
		if got != v1+"\n" {
			t.Fatalf("session %d of 50: matches the secret %v (%d bytes of output)", i, got == v1+"\n", len(got))
		}
	}

	// Closing the client ends the remote process.
	home := e.home("dev")
	client := exec.Command("bash", "-c", `exec coder ssh dev -- 'echo $$ > "$HOME/remote.pid"; exec sleep 300'`)
	client.Env = e.u.Env
	client.Dir = e.u.Home
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	pid := waitForFile(t, filepath.Join(home, "remote.pid"))
	if !processAlive(pid) {
		t.Fatalf("remote process %d is not running", pid)
	}
	_ = client.Process.Kill()
	_ = client.Wait()
	waitFor(t, 15*time.Second, func() bool { return !processAlive(pid) }, "the remote process to end after the client closed")

	// After an update, sessions keep the old value until the restart.
	e.sh(t, `echo -n "$NEW_API_KEY" | coder secret update api-key`, env...)
	if out := e.sh(t, `coder ssh dev -- printenv API_KEY`); out != v1+"\n" {
		t.Fatal("after the update, before the restart: a new session does not see the old value")
	}
	e.restart(t, "dev")
	if out := e.sh(t, `coder ssh dev -- printenv API_KEY`); out != v2+"\n" {
		t.Fatal("after the restart: a new session does not see the new value")
	}
	if strings.Contains(e.srv.Output.String(), v1) || strings.Contains(e.srv.Output.String(), v2) {
		t.Fatal("the server log holds a secret value")
	}
}

func waitForFile(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, 30*time.Second, func() bool {
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		line, _ := bufio.NewReader(f).ReadString('\n')
		_, err = fmt.Sscan(strings.TrimSpace(line), &pid)
		return err == nil && pid > 0
	}, path+" to appear")
	return pid
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie has ended; only its parent has not reaped it yet.
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

// waitFor polls cond every 50ms until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}
