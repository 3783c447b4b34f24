//go:build unix

package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

func newTestAgent(t *testing.T, handler func(net.Conn)) (*Agent, string) {
	t.Helper()
	home := t.TempDir()
	a := New(Options{Home: home, StreamHandler: handler, Privileged: func() bool { return false }})
	return a, home
}

// TestHandleStreamSSHUntouched: a stream that does not start with NUL
// reaches the stream handler byte for byte, the peeked byte included.
func TestHandleStreamSSHUntouched(t *testing.T) {
	got := make(chan string, 1)
	a, _ := newTestAgent(t, func(c net.Conn) {
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	server, agentSide := net.Pipe()
	go a.handleStream(context.Background(), agentSide)
	if _, err := io.WriteString(server, "SSH-2.0-Go\r\nrest"); err != nil {
		t.Fatal(err)
	}
	server.Close()
	select {
	case s := <-got:
		if s != "SSH-2.0-Go\r\nrest" {
			t.Fatalf("the handler read %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream never reached the handler")
	}
}

// TestHandlePush: a pushed manifest rewrites only the live file secrets,
// in place (same inode, mode kept), answers the ack, leaves the session
// environment's manifest alone, and records the file as written (so a
// later manifest without it reports it stale).
func TestHandlePush(t *testing.T) {
	a, home := newTestAgent(t, func(c net.Conn) { c.Close(); t.Error("a push reached the SSH handler") })
	ws := uuid.New()
	cur := sdk.AgentManifest{AgentID: uuid.New(), WorkspaceID: ws, Secrets: []sdk.WorkspaceSecret{
		{Name: "live", FilePath: "~/live", Value: "old-live-value", Refresh: sdk.RefreshLive},
		{Name: "env", EnvName: "ENV", Value: "old-env-value"},
		{Name: "plain", FilePath: "~/plain", Value: "old-plain-value"},
	}}
	a.apply(context.Background(), cur)
	live := filepath.Join(home, "live")
	if err := os.Chmod(live, 0o640); err != nil {
		t.Fatal(err)
	}
	before := inode(t, live)

	push := cur
	push.Revision = "r2"
	push.Secrets = []sdk.WorkspaceSecret{
		{Name: "live", FilePath: "~/live", Value: "new-live-value", Refresh: sdk.RefreshLive},
		// Not live: a push never writes it.
		{Name: "plain", FilePath: "~/plain", Value: "new-plain-value"},
	}
	body, _ := json.Marshal(push)
	server, agentSide := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); a.handleStream(context.Background(), agentSide) }()
	go func() {
		_, _ = io.WriteString(server, sdk.AgentPushHeader)
		_, _ = server.Write(append(body, '\n'))
	}()
	ack, err := bufio.NewReader(server).ReadString('\n')
	if err != nil || ack != sdk.AgentPushAck {
		t.Fatalf("ack %q, %v", ack, err)
	}
	<-done
	if b, _ := os.ReadFile(live); string(b) != "new-live-value" {
		t.Fatal("the live file was not rewritten")
	}
	if b, _ := os.ReadFile(filepath.Join(home, "plain")); string(b) != "old-plain-value" {
		t.Fatal("a push rewrote a secret that is not live")
	}
	fi, _ := os.Stat(live)
	if inode(t, live) != before || fi.Mode().Perm() != 0o640 {
		t.Fatalf("inode %d (was %d), mode %#o", inode(t, live), before, fi.Mode().Perm())
	}
	if m := a.currentManifest(); m.Secrets[1].Value != "old-env-value" {
		t.Fatal("a push changed the session environment's manifest")
	}
	// A push for another agent is ignored, without an ack.
	other := push
	other.AgentID = uuid.New()
	other.Secrets = []sdk.WorkspaceSecret{{Name: "live", FilePath: "~/live", Value: "other-value", Refresh: sdk.RefreshLive}}
	body, _ = json.Marshal(other)
	server, agentSide = net.Pipe()
	go a.handleStream(context.Background(), agentSide)
	go func() {
		_, _ = io.WriteString(server, sdk.AgentPushHeader)
		_, _ = server.Write(append(body, '\n'))
	}()
	if _, err := bufio.NewReader(server).ReadString('\n'); err == nil {
		t.Fatal("a push for another agent was acknowledged")
	}
	if b, _ := os.ReadFile(live); string(b) != "new-live-value" {
		t.Fatal("a push for another agent was applied")
	}

	// Stale: the next manifest no longer targets ~/live.
	next := cur
	next.Secrets = cur.Secrets[1:]
	res := a.files.Apply(context.Background(), next.Secrets)
	stale := a.trackWritten(ws, a.files.Plan(next.Secrets), res)
	if diff := cmp.Diff([]sdk.StaleFile{{Path: live, Secret: "live"}}, stale); diff != "" {
		t.Fatalf("stale files (-want +got):\n%s", diff)
	}
	// Removed by the user: no longer listed.
	if err := os.Remove(live); err != nil {
		t.Fatal(err)
	}
	if stale := a.trackWritten(ws, a.files.Plan(next.Secrets), res); len(stale) != 0 {
		t.Fatalf("a removed file is still stale: %v", stale)
	}
	// The list holds paths and names only.
	b, err := os.ReadFile(writtenListPath(a.o.StateDir, ws))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"old-live-value", "new-live-value", "old-plain-value"} {
		if strings.Contains(string(b), v) {
			t.Fatal("the list of written files holds a value")
		}
	}
	if fi, err := os.Stat(writtenListPath(a.o.StateDir, ws)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("list mode: %v", err)
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
