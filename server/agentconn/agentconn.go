// Package agentconn is the server's side of the agents' connections: the
// registry of the agents connected to this process (one multiplexed yamux
// connection each, over a websocket, the server being the yamux client),
// the records in the store that say which process an agent is connected
// to, and the relay between server processes that reaches an agent
// connected to another one. The HTTP routes that carry these connections
// stay in package server.
package agentconn

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/yamux"

	"github.com/usersecrets/coder/server/store"
)

// ErrNotConnected means no connection of the agent reaches this server.
var ErrNotConnected = errors.New("agent not connected")

// Options configure a Hub.
type Options struct {
	// Store records the agents' connections and where they are connected.
	Store  store.WorkspaceStore
	Logger *slog.Logger
	// RelayURL is the URL other server processes reach this one at ("":
	// no relaying, one process).
	RelayURL string
	// RelayAuth makes and checks the MAC of relay requests.
	RelayAuth RelayAuthenticator
	// RelayClient dials other server processes (nil: http.DefaultClient);
	// it holds the certificate authorities of an https RelayURL.
	RelayClient *http.Client
	// BaseContext is the context relayed connections live in (the
	// server's run context); nil means context.Background.
	BaseContext func() context.Context
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnChange, if set, is called with the agent's id once its connection
	// to this process is recorded, and once its end is. It must not block.
	OnChange func(agentID uuid.UUID)
}

// Hub holds the agents connected to this process.
type Hub struct {
	o      Options
	mu     sync.Mutex
	conns  map[uuid.UUID]*yamux.Session
	nonces relayNonces
}

// New returns a Hub.
func New(o Options) *Hub {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BaseContext == nil {
		o.BaseContext = context.Background
	}
	return &Hub{o: o}
}

func (h *Hub) set(id uuid.UUID, s *yamux.Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns == nil {
		h.conns = map[uuid.UUID]*yamux.Session{}
	}
	if old := h.conns[id]; old != nil {
		old.Close()
	}
	h.conns[id] = s
}

func (h *Hub) remove(id uuid.UUID, s *yamux.Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[id] == s {
		delete(h.conns, id)
	}
}

func (h *Hub) get(id uuid.UUID) *yamux.Session {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id]
}

// Count returns how many agents are connected to this process (the
// server's metrics).
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// ConnectedHere reports whether the agent is connected to this process.
func (h *Hub) ConnectedHere(id uuid.UUID) bool { return h.get(id) != nil }

// Connected reports whether the agent is connected to this process or, when
// relaying is on, to another one.
func (h *Hub) Connected(ctx context.Context, id uuid.UUID) bool {
	if h.ConnectedHere(id) {
		return true
	}
	if h.o.RelayURL == "" {
		return false
	}
	_, err := h.o.Store.GetAgentRelay(ctx, id)
	return err == nil
}

// OpenHere opens a stream to an agent connected to this process.
func (h *Hub) OpenHere(id uuid.UUID) (io.ReadWriteCloser, error) {
	sess := h.get(id)
	if sess == nil {
		return nil, ErrNotConnected
	}
	return sess.Open()
}

// Serve carries an agent's connection (nc, the websocket it opened) until
// it closes or ctx is done: the server is the yamux client on it and opens
// a stream to the agent for each session. It records the connection in the
// store while it lasts.
func (h *Hub) Serve(ctx context.Context, id uuid.UUID, workspace string, nc net.Conn) {
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = nil
	cfg.Logger = nil
	cfg.EnableKeepAlive = true
	cfg.KeepAliveInterval = 15 * time.Second
	sess, err := yamux.Client(nc, quietYamux(cfg))
	if err != nil {
		nc.Close()
		return
	}
	h.set(id, sess)
	h.registerRelay(ctx, id)
	forget := sync.OnceFunc(func() {
		h.remove(id, sess)
		if h.get(id) == nil {
			h.unregisterRelay(context.WithoutCancel(ctx), id)
		}
	})
	defer forget()
	if err := h.o.Store.UpdateAgentConnection(ctx, id, h.o.Now().UTC()); err != nil {
		h.o.Logger.Warn("record agent connection", "agent_id", id, "error", err)
	}
	h.o.Logger.Info("agent connected", "agent_id", id, "workspace", workspace)
	h.changed(id)
	select {
	case <-sess.CloseChan():
	case <-ctx.Done():
		sess.Close()
	}
	_ = h.o.Store.UpdateAgentConnection(context.WithoutCancel(ctx), id, h.o.Now().UTC())
	h.o.Logger.Info("agent disconnected", "agent_id", id, "workspace", workspace)
	// Forgotten first, so that a woken reader sees the agent gone.
	forget()
	h.changed(id)
}

func (h *Hub) changed(id uuid.UUID) {
	if h.o.OnChange != nil {
		h.o.OnChange(id)
	}
}

// Pipe copies both ways until either side ends, then closes both.
func Pipe(a, b io.ReadWriteCloser) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(a, b); done <- struct{}{} }()
	go func() { _, _ = io.Copy(b, a); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
	<-done
}
