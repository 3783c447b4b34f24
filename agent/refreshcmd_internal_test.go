//go:build unix

package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// syncBuffer is a log sink safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// push sends m to a through handleStream and waits until the stream's
// handler returned (the post-refresh commands included).
func push(t *testing.T, a *Agent, m sdk.AgentManifest) {
	t.Helper()
	body, _ := json.Marshal(m)
	server, agentSide := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); a.handleStream(context.Background(), agentSide) }()
	go func() {
		_, _ = io.WriteString(server, sdk.AgentPushHeader)
		_, _ = server.Write(append(body, '\n'))
	}()
	if ack, err := bufio.NewReader(server).ReadString('\n'); err != nil || ack != sdk.AgentPushAck {
		t.Fatalf("ack %q, %v", ack, err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the push's handler did not return")
	}
}

// TestRefreshCommands: a coder_script's post-refresh commands do not run
// at the start, run once after a push that changed a file (in the
// workspace directory, with the session env and the refreshed names and
// paths, never a value), not after a push that changed nothing; their
// output reaches the script's log masked; a failing or hanging command is
// logged and the next one still runs.
func TestRefreshCommands(t *testing.T) {
	logs := &syncBuffer{}
	home := t.TempDir()
	a := New(Options{Home: home, Privileged: func() bool { return false }, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Environ: func() []string { return []string{"PATH=" + os.Getenv("PATH")} }, RefreshCommandTimeout: time.Second})
	marker := filepath.Join(home, "refreshed")
	script := "#!/usr/bin/env python3\n" +
		"# coder:on-secret-refresh: printf '%s|%s|%s|%s\\n' \"$CODER_REFRESHED_SECRETS\" \"$CODER_REFRESHED_FILES\" \"$PWD\" \"$APP_ENV\" >> " + marker + "\n" +
		"# coder:on-secret-refresh: cat " + filepath.Join(home, "live") + "; exit 3\n" +
		"# coder:on-secret-refresh: sleep 30\n" +
		"# coder:on-secret-refresh: echo after >> " + marker + ".after\n"
	cur := sdk.AgentManifest{AgentID: uuid.New(), WorkspaceID: uuid.New(), Directory: home,
		Scripts: []sdk.AgentScript{{DisplayName: "Reloader", Script: script, RunOnStart: false}},
		Secrets: []sdk.WorkspaceSecret{
			{Name: "live", FilePath: "~/live", Value: "first-canary-value", Refresh: sdk.RefreshLive},
			{Name: "env", EnvName: "APP_ENV", Value: "env-canary-value"},
		}}
	a.apply(context.Background(), cur)
	a.mu.Lock()
	a.manifest = &cur
	a.mu.Unlock()
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a post-refresh command ran at the start")
	}
	p := cur
	p.Revision = ""
	p.Secrets = []sdk.WorkspaceSecret{{Name: "live", FilePath: "~/live", Value: "second-canary-value", Refresh: sdk.RefreshLive}}
	push(t, a, p)
	b, err := os.ReadFile(marker)
	if err != nil {
		t.Fatalf("the post-refresh command did not run: %v\n%s", err, logs)
	}
	want := "live|" + filepath.Join(home, "live") + "|" + home + "|env-canary-value\n"
	if string(b) != want {
		t.Fatalf("marker %q, want %q", b, want)
	}
	if _, err := os.Stat(marker + ".after"); err != nil {
		t.Fatal("a command after a failing and a hanging one did not run")
	}
	// The same value again: nothing changed, nothing runs.
	push(t, a, p)
	if b, _ := os.ReadFile(marker); string(b) != want {
		t.Fatalf("a push that changed nothing ran the commands: %q", b)
	}
	out := logs.String()
	if !strings.Contains(out, "post-refresh command failed") || !strings.Contains(out, "script timed out") {
		t.Fatalf("the failing and hanging commands are not logged:\n%s", out)
	}
	var uploaded []string
	for _, l := range a.reports.pendingLogs() {
		if l.Source == "Reloader" {
			uploaded = append(uploaded, l.Output)
		}
	}
	if len(uploaded) == 0 || !strings.Contains(strings.Join(uploaded, "\n"), "********") {
		t.Fatalf("the command's output is not in the script's log, masked: %q", uploaded)
	}
	for _, v := range []string{"first-canary-value", "second-canary-value", "env-canary-value"} {
		if strings.Contains(out, v) || strings.Contains(strings.Join(uploaded, "\n"), v) {
			t.Fatal("a secret value reached the agent's log or the script's log")
		}
	}
}

// pendingLogs is every log line queued and not sent (tests run no
// reporter loop).
func (r *reporter) pendingLogs() []sdk.AgentLog {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sdk.AgentLog
	for _, q := range r.queue {
		out = append(out, q.logs...)
	}
	return append(out, r.pending...)
}
