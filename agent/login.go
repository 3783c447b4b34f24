package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/usersecrets/coder/sdk"
)

// Messages a session that waits for the login gate gets on its stderr.
const (
	loginWaitMessage     = "Waiting for the workspace's startup scripts that block login to finish..."
	loginFailedMessage   = "Warning: a startup script that blocks login failed; the workspace may be incomplete."
	loginTimedOutMessage = "Warning: a startup script that blocks login timed out; the workspace may be incomplete."
)

// loginGate holds new sessions until the start_blocks_login scripts have
// ended. It opens once, whatever their result.
type loginGate struct {
	once sync.Once
	done chan struct{}
	err  error // set before done is closed
}

func newLoginGate() *loginGate { return &loginGate{done: make(chan struct{})} }

// open lets sessions through; err is the first failure of a blocking
// script (a timeout wins over another failure), nil when all succeeded.
// Later calls do nothing.
func (g *loginGate) open(err error) {
	g.once.Do(func() {
		g.err = err
		close(g.done)
	})
}

// WaitLogin holds a new session (shell, command or terminal) until the
// startup scripts with start_blocks_login have ended, whatever their
// result, or ctx ends. A session that has to wait is told so on w, and,
// when one of those scripts failed or timed out, warned once they have
// ended; then it proceeds. A session that opens once they have ended (or
// when there are none) waits for nothing and is told nothing.
func (a *Agent) WaitLogin(ctx context.Context, w io.Writer) {
	g := a.login
	select {
	case <-g.done:
		return
	default:
	}
	fmt.Fprintln(w, loginWaitMessage)
	select {
	case <-g.done:
	case <-ctx.Done():
		return
	}
	switch {
	case errors.Is(g.err, errScriptTimeout):
		fmt.Fprintln(w, loginTimedOutMessage)
	case g.err != nil:
		fmt.Fprintln(w, loginFailedMessage)
	}
}

// blocksLogin says whether one of the manifest's startup scripts blocks
// logins.
func blocksLogin(m sdk.AgentManifest) bool {
	for _, s := range m.Scripts {
		if s.RunOnStart && s.StartBlocksLogin {
			return true
		}
	}
	return false
}
