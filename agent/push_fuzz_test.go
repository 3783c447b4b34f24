package agent

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// FuzzHandleStream feeds the agent's stream dispatcher arbitrary bytes: it
// never panics, a stream that does not start with NUL reaches the SSH
// handler byte for byte, and one that does never reaches it.
func FuzzHandleStream(f *testing.F) {
	m := sdk.AgentManifest{AgentID: uuid.New(), Revision: "r", Secrets: []sdk.WorkspaceSecret{{Name: "x", FilePath: "~/x", Value: "v", Refresh: sdk.RefreshLive}}}
	body, _ := json.Marshal(m)
	f.Add([]byte("SSH-2.0-Go\r\n"))
	f.Add(append([]byte(sdk.AgentPushHeader), body...))
	f.Add([]byte(sdk.AgentPushHeader + "{not json"))
	f.Add([]byte("\x00other\n"))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, in []byte) {
		got := make(chan []byte, 1)
		a := New(Options{Home: t.TempDir(), Privileged: func() bool { return false }, StreamHandler: func(c net.Conn) {
			defer c.Close()
			b, _ := io.ReadAll(c)
			got <- b
		}})
		a.manifest = &sdk.AgentManifest{AgentID: m.AgentID}
		server, agentSide := net.Pipe()
		done := make(chan struct{})
		go func() { defer close(done); a.handleStream(context.Background(), agentSide) }()
		go func() {
			// net.Pipe has no half close: the whole input, then the end.
			_, _ = server.Write(in)
			server.Close()
		}()
		if len(in) > 0 && in[0] != 0 {
			select {
			case b := <-got:
				if string(b) != string(in) {
					t.Fatalf("the SSH handler read %q, want %q", b, in)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the stream never reached the SSH handler")
			}
		}
		<-done
		select {
		case <-got:
			if len(in) == 0 || in[0] == 0 {
				t.Fatal("a NUL stream reached the SSH handler")
			}
		default:
		}
	})
}
