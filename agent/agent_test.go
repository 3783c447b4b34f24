//go:build linux

package agent_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/agent"
	"github.com/usersecrets/coder/agent/agenttest"
	"github.com/usersecrets/coder/sdk"
)

func TestMain(m *testing.M) {
	code := m.Run()
	agenttest.Cleanup()
	os.Exit(code)
}

// wait is how long a test waits for the agent to do something.
const wait = 60 * time.Second

// hash names a value in test output without showing it.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("sha256:%s (%d bytes)", hex.EncodeToString(sum[:6]), len(s))
}

// sameValue compares a value seen in the workspace with the secret it
// should be, printing only hashes.
func sameValue(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %s, want %s", what, hash(got), hash(want))
	}
}

// noValues fails when text holds one of the values (or a line of a
// multi-line value, or the token).
func noValues(t *testing.T, what, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		for _, part := range append([]string{v}, strings.Split(v, "\n")...) {
			if strings.TrimSpace(part) != "" && strings.Contains(text, part) {
				t.Errorf("%s holds a secret value %s, want none", what, hash(part))
			}
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fi.Mode()
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func baseManifest() sdk.AgentManifest {
	return sdk.AgentManifest{
		AgentID:       uuid.New(),
		AgentName:     "main",
		WorkspaceID:   uuid.New(),
		WorkspaceName: "dev",
		OwnerName:     "alice",
		BuildID:       uuid.New(),
	}
}

func startupScript(name, script string) sdk.AgentScript {
	return sdk.AgentScript{DisplayName: name, Script: script, RunOnStart: true, TimeoutSeconds: 60}
}

// TestAgentStart runs a real agent process and checks what the first
// startup script finds: the file secrets on disk with the right content and
// modes, the environment precedence, no agent token; then what the agent
// uploaded and logged.
func TestAgentStart(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	abs := t.TempDir()
	results := filepath.Join(home, "results")
	if err := os.Mkdir(results, 0o755); err != nil {
		t.Fatal(err)
	}
	// An existing file: its mode and inode must survive the overwrite.
	existing := filepath.Join(home, ".existing")
	if err := os.WriteFile(existing, []byte("an old value much longer than the new one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o640); err != nil {
		t.Fatal(err)
	}
	existingIno := inode(t, existing)

	values := map[string]string{
		"api-key":     "sk-live-5f1c0b9e2a",
		"shared":      "user-secret-wins-77",
		"tool-config": "{\"token\": \"cfg-9d8e7f\"}\n",
		"existing":    "fresh-existing-31",
		"pem":         "-----BEGIN TEST KEY-----\nmultiline-part-one-4a4a\nmultiline-part-two-5b5b\n-----END TEST KEY-----\n",
		"collide-a":   "collide-a-value-11",
		"collide-b":   "collide-b-value-22",
		"phrase":      "wrap-a1f9 \"wrap-b2e8\" wrap-c3d7 wrap-d4c6 wrap-e5b5 wrap-f6a4 wrap-g7f3 wrap-h8e2",
	}
	pemPath := filepath.Join(abs, "deep", "dir", "key.pem")
	m := baseManifest()
	m.Env = []sdk.EnvVar{
		{Name: "SHARED", Value: "from-coder-agent-env", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "TEMPLATE_ONLY", Value: "template-value", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "SHARED", Value: "from-coder-env", MergeStrategy: sdk.MergeReplace, Source: "coder_env"},
		{Name: "PATH", Value: "/opt/extra/bin", MergeStrategy: sdk.MergeAppend, Source: "coder_env"},
	}
	m.Secrets = []sdk.WorkspaceSecret{
		{Name: "api-key", EnvName: "API_KEY", Value: sdk.SecretValue(values["api-key"])},
		{Name: "shared", EnvName: "SHARED", Value: sdk.SecretValue(values["shared"])},
		{Name: "tool-config", FilePath: "~/.config/tool/config.json", Value: sdk.SecretValue(values["tool-config"])},
		{Name: "existing", FilePath: "~/.existing", Value: sdk.SecretValue(values["existing"])},
		{Name: "pem", EnvName: "PEM", FilePath: pemPath, Value: sdk.SecretValue(values["pem"])},
		{Name: "collide-b", FilePath: "~/collide", Value: sdk.SecretValue(values["collide-b"])},
		{Name: "collide-a", FilePath: filepath.Join(home, "collide"), Value: sdk.SecretValue(values["collide-a"])},
		{Name: "phrase", EnvName: "PHRASE", Value: sdk.SecretValue(values["phrase"])},
	}
	m.Scripts = []sdk.AgentScript{
		startupScript("Check files", `set -e
r=$HOME/results
for f in "$HOME/.config/tool/config.json" "$HOME/.existing" "`+pemPath+`" "$HOME/collide"; do
  n=$(basename "$f")
  stat -c '%a' "$f" > "$r/mode-$n"
  stat -c '%i' "$f" > "$r/inode-$n"
  cat "$f" > "$r/content-$n"
done
stat -c '%a' "$HOME/.config" "$HOME/.config/tool" "`+filepath.Dir(pemPath)+`" > "$r/dir-modes"
printf '%s' "$API_KEY" > "$r/env-API_KEY"
printf '%s' "$SHARED" > "$r/env-SHARED"
printf '%s' "$TEMPLATE_ONLY" > "$r/env-TEMPLATE_ONLY"
printf '%s' "$PEM" > "$r/env-PEM"
printf '%s' "$PATH" > "$r/env-PATH"
if [ -z "${CODER_AGENT_TOKEN+x}" ]; then echo absent; else echo present; fi > "$r/token"
env > "$r/env-all"
echo "api key is $API_KEY, shared is $SHARED"
printf '%s' "$PEM"
echo "check done" >&2
`),
		// The phrase word-wrapped over lines, then quoted as JSON.
		startupScript("Wrapped", `echo "$PHRASE" | fold -s -w 25
printf '{"v":"%s"}\n' "$(printf '%s' "$PHRASE" | sed 's/"/\\"/g')"
echo wrapped done`),
		startupScript("Second", `echo "second script: $TEMPLATE_ONLY"; pwd > "$HOME/results/pwd"`),
		{DisplayName: "Not on start", Script: "touch $HOME/results/stop-script-ran", RunOnStop: true},
	}
	m.Problems = []string{`The stored value of secret "lost" cannot be opened, so it is left out.`}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home, "EXTRA_AGENT_ENV=kept")
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)

	if diff := cmp.Diff([]string{sdk.LifecycleStarting, sdk.LifecycleReady}, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}

	t.Run("files when the first script ran", func(t *testing.T) {
		for _, f := range []struct {
			name, secret, mode string
		}{
			{"config.json", "tool-config", "600"},
			{".existing", "existing", "640"},
			{"key.pem", "pem", "600"},
			{"collide", "collide-a", "600"}, // the name that sorts first wins
		} {
			sameValue(t, "content of "+f.name, readFile(t, filepath.Join(results, "content-"+f.name)), values[f.secret])
			if got := strings.TrimSpace(readFile(t, filepath.Join(results, "mode-"+f.name))); got != f.mode {
				t.Errorf("mode of %s seen by the script: got %s, want %s", f.name, got, f.mode)
			}
		}
		if got, want := strings.Fields(readFile(t, filepath.Join(results, "dir-modes"))), []string{"700", "700", "700"}; !slices.Equal(got, want) {
			t.Errorf("modes of new directories: got %v, want %v", got, want)
		}
		if got, want := strings.TrimSpace(readFile(t, filepath.Join(results, "inode-.existing"))), fmt.Sprint(existingIno); got != want {
			t.Errorf("inode of the existing file: got %s, want %s", got, want)
		}
		if got := inode(t, existing); got != existingIno {
			t.Errorf("inode of the existing file after start: got %d, want %d", got, existingIno)
		}
		if got := fileMode(t, existing); got != 0o640 {
			t.Errorf("mode of the existing file after start: got %v, want -rw-r-----", got)
		}
	})

	t.Run("environment of the startup script", func(t *testing.T) {
		sameValue(t, "API_KEY", readFile(t, filepath.Join(results, "env-API_KEY")), values["api-key"])
		// The user secret beats coder_agent env and coder_env.
		sameValue(t, "SHARED", readFile(t, filepath.Join(results, "env-SHARED")), values["shared"])
		sameValue(t, "PEM", readFile(t, filepath.Join(results, "env-PEM")), values["pem"])
		if got := readFile(t, filepath.Join(results, "env-TEMPLATE_ONLY")); got != "template-value" {
			t.Errorf("TEMPLATE_ONLY: got %q, want %q", got, "template-value")
		}
		if got, want := readFile(t, filepath.Join(results, "env-PATH")), os.Getenv("PATH")+":/opt/extra/bin"; got != want {
			t.Errorf("PATH: got %q, want %q", got, want)
		}
		if got := strings.TrimSpace(readFile(t, filepath.Join(results, "token"))); got != "absent" {
			t.Errorf("CODER_AGENT_TOKEN in the script's environment: got %s, want absent", got)
		}
		all := readFile(t, filepath.Join(results, "env-all"))
		noValues(t, "the script's environment", all, srv.Token)
		for _, want := range []string{"EXTRA_AGENT_ENV=kept", "CODER=true", "CODER_WORKSPACE_NAME=dev", "CODER_WORKSPACE_AGENT_NAME=main", "CODER_WORKSPACE_OWNER_NAME=alice", "HOME=" + home} {
			if !strings.Contains(all, want+"\n") {
				t.Errorf("the script's environment: got no %q, want it", want)
			}
		}
		for _, unwanted := range []string{"CODER_AGENT_TOKEN=", "CODER_AGENT_URL="} {
			if strings.Contains(all, unwanted) {
				t.Errorf("the script's environment: got %s..., want none", unwanted)
			}
		}
		if got := strings.TrimSpace(readFile(t, filepath.Join(results, "pwd"))); got != home {
			t.Errorf("working directory of the script: got %q, want %q", got, home)
		}
		if exists(filepath.Join(results, "stop-script-ran")) {
			t.Errorf("a run_on_stop script ran at start, want it not to")
		}
	})

	t.Run("uploaded logs are redacted", func(t *testing.T) {
		logs := srv.Logs()
		var check, second, wrapped []string
		for _, l := range logs {
			switch l.Source {
			case "Wrapped":
				wrapped = append(wrapped, l.Output)
			case "Check files":
				check = append(check, l.Output)
			case "Second":
				second = append(second, l.Output)
			}
		}
		want := []string{
			"api key is ********, shared is ********",
			"********", "********", "********", "********", // each line of the multi-line value
			"check done",
		}
		if diff := cmp.Diff(want, check); diff != "" {
			t.Errorf("logs of Check files: got -want +got:\n%s", diff)
		}
		if diff := cmp.Diff([]string{"second script: template-value"}, second); diff != "" {
			t.Errorf("logs of Second: got -want +got:\n%s", diff)
		}
		wantWrapped := []string{"********", "********", "********", "********", `{"v":"********"}`, "wrapped done"}
		// Compared without printing what was uploaded: it may hold the phrase.
		if len(wrapped) != len(wantWrapped) {
			t.Errorf("logs of Wrapped: got %d lines, want %d", len(wrapped), len(wantWrapped))
		}
		for i := range min(len(wrapped), len(wantWrapped)) {
			if wrapped[i] != wantWrapped[i] {
				t.Errorf("line %d of Wrapped: got %d other bytes (not shown), want %q", i+1, len(wrapped[i]), wantWrapped[i])
			}
		}
		for _, b := range srv.LogBodies() {
			for i, w := range strings.Fields(values["phrase"]) {
				if strings.Contains(string(b), strings.Trim(w, `"`)) {
					t.Errorf("a log upload holds word %d of the phrase, want none", i+1)
				}
			}
		}
		for _, b := range srv.LogBodies() {
			noValues(t, "a log upload", string(b), slices.Collect(mapValues(values))...)
		}
	})

	t.Run("manifest problems logged", func(t *testing.T) {
		found := false
		sc := bufio.NewScanner(strings.NewReader(proc.Output.String()))
		for sc.Scan() {
			l := sc.Text()
			found = found || (strings.Contains(l, "level=WARN") && strings.Contains(l, `secret \"lost\" cannot be opened`))
		}
		if !found {
			t.Errorf("agent log: got no warning with the manifest's problem, want one")
		}
	})

	t.Run("collision warning", func(t *testing.T) {
		out := proc.Output.String()
		found := false
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, "level=WARN") && strings.Contains(l, "collide-a") && strings.Contains(l, "collide-b") && strings.Contains(l, filepath.Join(home, "collide")) {
				found = true
			}
		}
		if !found {
			t.Errorf("agent log: got no warning naming collide-a, collide-b and the path in\n%s", out)
		}
	})

	t.Run("command line", func(t *testing.T) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", proc.Pid()))
		if err != nil {
			t.Fatal(err)
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if diff := cmp.Diff([]string{agenttest.Binary(t), "agent"}, args); diff != "" {
			t.Errorf("agent command line: got -want +got:\n%s", diff)
		}
		noValues(t, "the agent's command line", string(b), append(slices.Collect(mapValues(values)), srv.Token)...)
	})

	if code := proc.Stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0", code)
	}
	if diff := cmp.Diff([]string{sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleShutdown, sdk.LifecycleOff}, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle after stop: got -want +got:\n%s", diff)
	}
	noValues(t, "the agent's log", proc.Output.String(), append(slices.Collect(mapValues(values)), srv.Token)...)
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestAgentStartError(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	m := baseManifest()
	m.Secrets = []sdk.WorkspaceSecret{{Name: "k", EnvName: "K", Value: "failing-secret-8c8c"}}
	m.Scripts = []sdk.AgentScript{
		startupScript("Fails", `echo "about to fail with $K"; exit 3`),
		startupScript("Still runs", `touch "$HOME/second-ran"`),
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitLifecycle(t, wait, sdk.LifecycleStartError)
	if diff := cmp.Diff([]string{sdk.LifecycleStarting, sdk.LifecycleStartError}, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}
	if !exists(filepath.Join(home, "second-ran")) {
		t.Errorf("the script after a failing one did not run, want it to")
	}
	var got []string
	for _, l := range srv.Logs() {
		got = append(got, l.Source+": "+l.Output)
	}
	if diff := cmp.Diff([]string{"Fails: about to fail with ********"}, got); diff != "" {
		t.Errorf("logs: got -want +got:\n%s", diff)
	}
	out := proc.Output.String()
	if !strings.Contains(out, "exit status 3") {
		t.Errorf("agent log: got no exit status 3 in\n%s", out)
	}
	proc.Stop(t)
	noValues(t, "the agent's log", proc.Output.String(), "failing-secret-8c8c", srv.Token)
}

// TestAgentReconnect drops the agent's connection after a start and checks
// that the reconnect applies the manifest as it is now: the moved file is
// written at its new path, the old one and the files of deleted and cleared
// secrets stay, an overwritten file keeps its inode and mode; and scripts
// do not run again.
func TestAgentReconnect(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{startupScript("Count", `echo run >> "$HOME/runs"`)}
	m.Secrets = []sdk.WorkspaceSecret{
		{Name: "moving", FilePath: "~/old/path", Value: "moving-v1-aa"},
		{Name: "deleted", FilePath: "~/deleted", Value: "deleted-v1-bb"},
		{Name: "cleared", EnvName: "CLEARED", FilePath: "~/cleared", Value: "cleared-v1-cc"},
		{Name: "kept", FilePath: "~/kept", Value: "kept-v1-dd"},
	}
	srv := agenttest.NewServer(t, m)
	proc := agenttest.StartAgent(t, srv, home)
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	srv.WaitFor(t, wait, "the first connection", srv.Connected)
	sameValue(t, "~/kept", readFile(t, filepath.Join(home, "kept")), "kept-v1-dd")
	if err := os.Chmod(filepath.Join(home, "kept"), 0o604); err != nil {
		t.Fatal(err)
	}
	keptIno := inode(t, filepath.Join(home, "kept"))

	m2 := m
	m2.BuildID = uuid.New()
	m2.Secrets = []sdk.WorkspaceSecret{
		{Name: "moving", FilePath: "~/new/path", Value: "moving-v2-ee"},
		{Name: "cleared", EnvName: "CLEARED", Value: "cleared-v2-ff"},
		{Name: "kept", FilePath: "~/kept", Value: "kept-v2-gg"},
	}
	srv.SetManifest(m2)
	fetches := srv.ManifestFetches()
	if n := srv.DropConnections(); n != 1 {
		t.Fatalf("dropped connections: got %d, want 1", n)
	}
	srv.WaitFor(t, wait, "a reconnect that fetches the manifest", func() bool {
		return srv.Connects() >= 2 && srv.ManifestFetches() > fetches && srv.Connected()
	})
	srv.WaitFor(t, wait, "the moved file", func() bool { return exists(filepath.Join(home, "new", "path")) })
	srv.WaitFor(t, wait, "the new content of ~/kept", func() bool {
		b, _ := os.ReadFile(filepath.Join(home, "kept"))
		return string(b) == "kept-v2-gg"
	})

	for path, want := range map[string]string{
		"new/path": "moving-v2-ee",
		"old/path": "moving-v1-aa",  // path changed: the old file stays
		"deleted":  "deleted-v1-bb", // secret deleted: the file stays
		"cleared":  "cleared-v1-cc", // file target cleared: the file stays
	} {
		sameValue(t, "~/"+path, readFile(t, filepath.Join(home, path)), want)
	}
	if got := inode(t, filepath.Join(home, "kept")); got != keptIno {
		t.Errorf("inode of ~/kept after the reconnect: got %d, want %d", got, keptIno)
	}
	if got := fileMode(t, filepath.Join(home, "kept")); got != 0o604 {
		t.Errorf("mode of ~/kept after the reconnect: got %v, want -rw----r--", got)
	}
	if got := readFile(t, filepath.Join(home, "runs")); got != "run\n" {
		t.Errorf("script runs: got %q, want one", got)
	}
	if diff := cmp.Diff([]string{sdk.LifecycleStarting, sdk.LifecycleReady}, srv.Lifecycle()); diff != "" {
		t.Errorf("lifecycle: got -want +got:\n%s", diff)
	}
	proc.Stop(t)
	noValues(t, "the agent's log", proc.Output.String(), "moving-v1-aa", "deleted-v1-bb", "cleared-v1-cc", "kept-v1-dd", "moving-v2-ee", "cleared-v2-ff", "kept-v2-gg", srv.Token)
}

// inProcess runs an agent in this test process against srv; it stops at
// cleanup.
func inProcess(t *testing.T, srv *agenttest.Server, o agent.Options) (*agent.Agent, *agenttest.SyncBuffer) {
	t.Helper()
	logs := &agenttest.SyncBuffer{}
	o.URL = srv.URL
	o.Token = srv.Token
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.Home == "" {
		o.Home = t.TempDir()
	}
	o.RetryInitial = 20 * time.Millisecond
	o.RetryMax = 200 * time.Millisecond
	a := agent.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return within 30s of cancel")
		}
	})
	return a, logs
}

func envValue(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}

// TestSessionEnvAfterReconnect checks that SessionEnv follows the manifest
// of the latest connection: a renamed env secret appears under its new name
// only, a cleared one is gone.
func TestSessionEnvAfterReconnect(t *testing.T) {
	t.Parallel()
	m := baseManifest()
	m.Env = []sdk.EnvVar{{Name: "API_KEY", Value: "template", MergeStrategy: sdk.MergeReplace, Source: "coder_env"}}
	m.Secrets = []sdk.WorkspaceSecret{
		{Name: "api-key", EnvName: "API_KEY", Value: "env-v1-1234"},
		{Name: "gone", EnvName: "GONE", Value: "gone-v1-5678"},
	}
	srv := agenttest.NewServer(t, m)
	a, logs := inProcess(t, srv, agent.Options{
		Environ: func() []string {
			return []string{"PATH=/usr/bin", "CODER_AGENT_TOKEN=" + srv.Token, "CODER_AGENT_URL=" + srv.URL.String()}
		},
	})
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	srv.WaitFor(t, wait, "the first connection", srv.Connected)
	env := a.SessionEnv()
	v, _ := envValue(env, "API_KEY")
	sameValue(t, "API_KEY", v, "env-v1-1234")
	for _, name := range []string{"CODER_AGENT_TOKEN", "CODER_AGENT_URL"} {
		if _, ok := envValue(env, name); ok {
			t.Errorf("SessionEnv: got %s, want it absent", name)
		}
	}

	m2 := m
	m2.Secrets = []sdk.WorkspaceSecret{{Name: "api-key", EnvName: "NEW_API_KEY", Value: "env-v2-9999"}}
	srv.SetManifest(m2)
	srv.DropConnections()
	srv.WaitFor(t, wait, "SessionEnv with NEW_API_KEY", func() bool {
		_, ok := envValue(a.SessionEnv(), "NEW_API_KEY")
		return ok
	})
	env = a.SessionEnv()
	v, _ = envValue(env, "NEW_API_KEY")
	sameValue(t, "NEW_API_KEY", v, "env-v2-9999")
	if v, _ := envValue(env, "API_KEY"); v != "template" {
		t.Errorf("API_KEY after the rename: got %q, want the template's %q", v, "template")
	}
	if _, ok := envValue(env, "GONE"); ok {
		t.Errorf("GONE after the secret was deleted: got it, want it absent")
	}
	noValues(t, "the agent's log", logs.String(), "env-v1-1234", "gone-v1-5678", "env-v2-9999", srv.Token)
}

// TestManifestRetry checks that the agent waits out 401, 403 and 5xx
// answers (expected while the build is being recorded) and then starts.
func TestManifestRetry(t *testing.T) {
	t.Parallel()
	m := baseManifest()
	home := t.TempDir()
	m.Secrets = []sdk.WorkspaceSecret{{Name: "f", FilePath: "~/f", Value: "retry-value"}}
	srv := agenttest.NewServer(t, m)
	srv.FailManifest(http.StatusUnauthorized, http.StatusForbidden, http.StatusBadGateway, http.StatusUnauthorized)
	_, logs := inProcess(t, srv, agent.Options{Home: home})
	srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
	if got := srv.ManifestFetches(); got < 5 {
		t.Errorf("manifest fetches: got %d, want at least 5", got)
	}
	sameValue(t, "~/f", readFile(t, filepath.Join(home, "f")), "retry-value")
	if !strings.Contains(logs.String(), "does not accept the agent token yet") {
		t.Errorf("log: got no note of the 401 wait in\n%s", logs.String())
	}
}

// TestStreams checks that streams the server opens on the agent's
// connection reach the stream handler, before and after a reconnect.
func TestStreams(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, baseManifest())
	inProcess(t, srv, agent.Options{
		StreamHandler: func(c net.Conn) {
			defer c.Close()
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, strings.ToUpper(line))
		},
	})
	srv.WaitFor(t, wait, "the first connection", srv.Connected)
	for round := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		c, err := srv.OpenStream(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: open stream: %v", round, err)
		}
		if _, err := io.WriteString(c, "hello\n"); err != nil {
			t.Fatalf("round %d: write: %v", round, err)
		}
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatalf("round %d: read: %v", round, err)
		}
		if string(got) != "HELLO\n" {
			t.Errorf("round %d: echo: got %q, want %q", round, got, "HELLO\n")
		}
		connects := srv.Connects()
		srv.DropConnections()
		srv.WaitFor(t, wait, "a reconnect", func() bool { return srv.Connects() > connects && srv.Connected() })
	}
}

// TestScriptTimeout checks that a script that outlives its timeout is
// stopped (with what it started) and the start fails.
func TestScriptTimeout(t *testing.T) {
	t.Parallel()
	m := baseManifest()
	m.Scripts = []sdk.AgentScript{{DisplayName: "Slow", Script: "#!/bin/sh\necho before\nsleep 120\necho after\n", RunOnStart: true, TimeoutSeconds: 1}}
	srv := agenttest.NewServer(t, m)
	_, logs := inProcess(t, srv, agent.Options{})
	srv.WaitLifecycle(t, wait, sdk.LifecycleStartError)
	var got []string
	for _, l := range srv.Logs() {
		got = append(got, l.Output)
	}
	if diff := cmp.Diff([]string{"before"}, got); diff != "" {
		t.Errorf("logs: got -want +got:\n%s", diff)
	}
	if !strings.Contains(logs.String(), "script timed out after 1s") {
		t.Errorf("agent log: got no timeout error in\n%s", logs.String())
	}
}

// TestAgentCommand checks how `coder agent` reads its environment: both
// variables are required, the token never shows in an error, a token file
// works, and --log-dir sends the log to a 0600 file.
func TestAgentCommand(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, baseManifest())
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "CODER_AGENT_URL=" + srv.URL.String()
	token := "CODER_AGENT_TOKEN=" + srv.Token

	failures := []struct {
		name string
		env  []string
		want string
	}{
		{"no token", []string{url}, "$CODER_AGENT_TOKEN is not set"},
		{"no url", []string{token}, "$CODER_AGENT_URL is not set"},
		{"bad url", []string{token, "CODER_AGENT_URL=ftp://example.com"}, "$CODER_AGENT_URL is not an http or https URL"},
		{"missing token file", []string{url, "CODER_AGENT_TOKEN_FILE=/nonexistent/token"}, "read $CODER_AGENT_TOKEN_FILE"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			p := agenttest.StartCommand(t, home, append(agenttest.Env(home), tt.env...))
			if code := p.Wait(t, wait); code == 0 {
				t.Errorf("exit code: got 0, want non-zero")
			}
			out := p.Output.String()
			if !strings.Contains(out, tt.want) {
				t.Errorf("output: got %q, want it to contain %q", out, tt.want)
			}
			noValues(t, "the output", out, srv.Token)
		})
	}

	t.Run("token file and log dir", func(t *testing.T) {
		home := t.TempDir()
		logDir := filepath.Join(t.TempDir(), "logs")
		p := agenttest.StartCommand(t, home, append(agenttest.Env(home), url, "CODER_AGENT_TOKEN_FILE="+tokenFile), "--log-dir", logDir)
		srv.WaitLifecycle(t, wait, sdk.LifecycleReady)
		if code := p.Stop(t); code != 0 {
			t.Errorf("exit code: got %d, want 0", code)
		}
		logFile := filepath.Join(logDir, "coder-agent.log")
		if got := fileMode(t, logFile); got != 0o600 {
			t.Errorf("mode of the log file: got %v, want -rw-------", got)
		}
		if log := readFile(t, logFile); !strings.Contains(log, `msg="startup done" state=ready`) {
			t.Errorf("log file: got %q, want the startup", log)
		}
		if out := p.Output.String(); out != "" {
			t.Errorf("stderr with --log-dir: got %q, want nothing", out)
		}
	})
}
