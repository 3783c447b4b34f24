package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// A stream the server opens is either SSH (whose first byte is never
// NUL) or, when its first bytes are sdk.AgentPushHeader, a pushed
// manifest: the agent rewrites the files of its live secrets in place
// (same inode, mode kept: the secretfiles rules) and leaves everything
// else, the session environment included, as it is until the next start.

// peekedConn reads through the buffered reader that peeked at the stream.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// handleStream dispatches one stream the server opened.
func (a *Agent) handleStream(ctx context.Context, stream net.Conn) {
	br := bufio.NewReader(stream)
	first, err := br.Peek(1)
	if err != nil {
		_ = stream.Close()
		return
	}
	if first[0] != 0 {
		a.o.StreamHandler(&peekedConn{Conn: stream, r: br})
		return
	}
	defer stream.Close()
	header, err := br.ReadString('\n')
	if err != nil || header != sdk.AgentPushHeader {
		a.log.Warn("the server opened a stream of an unknown kind; closing it")
		return
	}
	var m sdk.AgentManifest
	if err := json.NewDecoder(io.LimitReader(br, sdk.MaxPushedManifestBytes)).Decode(&m); err != nil {
		a.log.Warn("read a pushed manifest", "err", err)
		return
	}
	if cur := a.currentManifest(); cur == nil || cur.AgentID != m.AgentID {
		a.log.Warn("a pushed manifest for another agent; ignoring it")
		return
	}
	scripts, changed := a.applyPush(ctx, m)
	_, _ = io.WriteString(stream, sdk.AgentPushAck)
	_ = stream.Close()
	// After the ack: the server does not wait for the commands.
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.runRefreshCommands(ctx, scripts, changed)
}

// applyPush writes the live file secrets of a pushed manifest and reports
// its revision as applied. It returns the current manifest's scripts and
// the files whose value or path changed (for the post-refresh commands).
func (a *Agent) applyPush(ctx context.Context, m sdk.AgentManifest) ([]sdk.AgentScript, []refreshed) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	var live []sdk.WorkspaceSecret
	for _, s := range m.Secrets {
		if s.Refresh == sdk.RefreshLive && s.FilePath != "" {
			live = append(live, s)
		}
	}
	a.redactor.add(live)
	// Collisions are settled as a full apply would: the current manifest's
	// secrets with the pushed ones in their new state.
	cur := a.currentManifest()
	merged := make([]sdk.WorkspaceSecret, 0, len(cur.Secrets)+len(live))
	pushed := map[string]bool{}
	for _, s := range live {
		pushed[s.Name] = true
		merged = append(merged, s)
	}
	for _, s := range cur.Secrets {
		if !pushed[s.Name] {
			merged = append(merged, s)
		}
	}
	plan := a.files.Plan(merged)
	winners := map[string]bool{}
	for _, f := range plan.Files {
		winners[f.Secret] = true
	}
	var write []sdk.WorkspaceSecret
	for _, s := range live {
		if winners[s.Name] {
			write = append(write, s)
		}
	}
	res := a.files.Apply(ctx, write)
	changed := a.remember(write, res.Written)
	if a.o.OnFilesApplied != nil {
		a.o.OnFilesApplied(len(res.Written), len(res.Failed))
	}
	stale := a.trackWritten(cur.WorkspaceID, plan, res)
	names := make([]string, 0, len(res.Written))
	for _, w := range res.Written {
		names = append(names, w.Secret)
	}
	a.log.Info("refreshed live secret files in place (environment variables change at the next start)",
		"secrets", strings.Join(names, ","), "files_written", len(res.Written), "files_failed", len(res.Failed))
	if m.Revision != "" {
		a.reports.manifestApplied(sdk.AgentManifestAppliedRequest{AgentID: m.AgentID, Revision: m.Revision, StaleFiles: stale, Home: a.home})
	}
	return cur.Scripts, changed
}
