package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// The workspace agent's endpoints. Each takes the agent's token in the
// Coder-Session-Token header (AgentTokenHeader); the client's SessionToken
// holds it.
const (
	// AgentManifestPath answers GET with 200 and an AgentManifest.
	AgentManifestPath = "/api/v2/workspaceagents/me/manifest"
	// AgentLifecyclePath takes POST of an AgentLifecycleRequest, 204.
	AgentLifecyclePath = "/api/v2/workspaceagents/me/lifecycle"
	// AgentLogsPath takes POST of an AgentLogsRequest, 204.
	AgentLogsPath = "/api/v2/workspaceagents/me/logs"
	// AgentManifestAppliedPath takes POST of an
	// AgentManifestAppliedRequest, 204.
	AgentManifestAppliedPath = "/api/v2/workspaceagents/me/manifest/applied"
	// AgentRPCPath answers GET with 101, a websocket (binary messages) that
	// stays open while the agent is connected. On it the agent runs a
	// yamux server session: the server opens streams to the agent.
	AgentRPCPath = "/api/v2/workspaceagents/me/rpc"
)

// agentRPCHandshakeTimeout bounds the websocket handshake of DialAgentRPC.
const agentRPCHandshakeTimeout = 30 * time.Second

// AgentManifest fetches the agent's manifest, secret values included.
func (c *Client) AgentManifest(ctx context.Context) (AgentManifest, error) {
	var out AgentManifest
	return out, c.do(ctx, http.MethodGet, AgentManifestPath, nil, http.StatusOK, &out)
}

// PostLifecycle reports a lifecycle state change of the agent.
func (c *Client) PostLifecycle(ctx context.Context, req AgentLifecycleRequest) error {
	return c.do(ctx, http.MethodPost, AgentLifecyclePath, req, http.StatusNoContent, nil)
}

// PostManifestApplied reports the manifest revision the agent applied and
// its stale secret files.
func (c *Client) PostManifestApplied(ctx context.Context, req AgentManifestAppliedRequest) error {
	return c.do(ctx, http.MethodPost, AgentManifestAppliedPath, req, http.StatusNoContent, nil)
}

// PostLogs uploads lines of script output. The agent redacts secret values
// before it calls this.
func (c *Client) PostLogs(ctx context.Context, req AgentLogsRequest) error {
	return c.do(ctx, http.MethodPost, AgentLogsPath, req, http.StatusNoContent, nil)
}

// DialAgentRPC opens the agent's websocket and returns it as a net.Conn of
// binary messages. ctx bounds both the dial and the life of the connection:
// cancel it (or Close the conn) to end it. A refused upgrade is an *Error
// with the answer's status code.
func (c *Client) DialAgentRPC(ctx context.Context) (net.Conn, error) {
	u, err := c.URL.Parse(AgentRPCPath)
	if err != nil {
		return nil, fmt.Errorf("parse path: %w", err)
	}
	h := http.Header{}
	if c.SessionToken != "" {
		h.Set(AgentTokenHeader, c.SessionToken)
	}
	// The dial's context must live as long as the connection, so the
	// handshake gets its own deadline through a timer.
	dialCtx, cancelDial := context.WithCancel(ctx)
	timer := time.AfterFunc(agentRPCHandshakeTimeout, cancelDial)
	conn, res, err := websocket.Dial(dialCtx, u.String(), &websocket.DialOptions{
		HTTPClient: c.HTTPClient,
		HTTPHeader: h,
	})
	if !timer.Stop() && err == nil {
		_ = conn.CloseNow()
		err = context.DeadlineExceeded
	}
	if err != nil {
		cancelDial()
		if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			e := &Error{StatusCode: res.StatusCode, Method: http.MethodGet, URL: u.String()}
			if res.Body != nil {
				buf, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
				_ = json.Unmarshal(buf, &e.Response)
			}
			if e.Message == "" {
				e.Message = fmt.Sprintf("unexpected status %d from GET %s", res.StatusCode, u.String())
			}
			return nil, e
		}
		return nil, fmt.Errorf("dial agent websocket: %w", err)
	}
	return websocket.NetConn(dialCtx, conn, websocket.MessageBinary), nil
}
