package sdk

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// DialWorkspace opens a byte stream to the SSH server of a workspace's
// agent, relayed by the server. Speak SSH over it (or hand it to OpenSSH as
// a ProxyCommand's stdio). ctx bounds the dial only; close the conn to end.
func (c *Client) DialWorkspace(ctx context.Context, user, workspace string) (net.Conn, error) {
	u, err := c.URL.Parse(workspacePath(user, workspace) + "/ssh")
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	h := http.Header{}
	h.Set(SessionTokenHeader, c.SessionToken)
	conn, res, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPHeader: h, HTTPClient: c.httpClient()})
	if err != nil {
		if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			if res.Request == nil {
				res.Request, _ = http.NewRequest(http.MethodGet, strings.Replace(u.String(), "ws", "http", 1), nil)
			}
			return nil, ReadError(res)
		}
		return nil, fmt.Errorf("connect to workspace %q: %w", workspace, err)
	}
	conn.SetReadLimit(-1)
	// The conn lives past ctx: it ends when closed.
	return websocket.NetConn(context.Background(), conn, websocket.MessageBinary), nil
}
