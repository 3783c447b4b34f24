package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// Relay between server processes: an agent keeps one connection, to one
// process. When a session for it arrives at another process, that process
// looks up where the agent is connected (the store's agent_relays) and
// opens a stream through that process's internal relay route. Processes
// trust each other through a MAC made with their shared encryption keys.

// RelayAuthenticator makes and checks the MAC of relay requests under the
// keys server processes share (cryptstore.Store implements it).
type RelayAuthenticator interface {
	MAC(msg []byte) []byte
	VerifyMAC(msg, mac []byte) bool
}

const (
	relayTimeHeader  = "Coder-Relay-Time"
	relayNonceHeader = "Coder-Relay-Nonce"
	relayMACHeader   = "Coder-Relay-Mac"
	relayMaxSkew     = 2 * time.Minute
)

func relayMessage(agentID uuid.UUID, unix int64, nonce string) []byte {
	return []byte("relay:" + agentID.String() + ":" + strconv.FormatInt(unix, 10) + ":" + nonce)
}

// relayNonces remembers the nonces of accepted relay requests while their
// time is valid, so a captured request cannot be replayed.
type relayNonces struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// use reports whether nonce is new, and records it until expires.
func (n *relayNonces) use(nonce string, now, expires time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	for k, exp := range n.seen {
		if now.After(exp) {
			delete(n.seen, k)
		}
	}
	if _, dup := n.seen[nonce]; dup {
		return false
	}
	n.seen[nonce] = expires
	return true
}

// registerRelay records that the agent is connected here.
func (s *Server) registerRelay(ctx context.Context, agentID uuid.UUID) {
	if s.opts.RelayURL == "" {
		return
	}
	if err := s.ws.SetAgentRelay(ctx, agentID, s.opts.RelayURL, s.now().UTC()); err != nil {
		s.logger.Warn("record agent relay", "agent_id", agentID, "error", err)
	}
}

func (s *Server) unregisterRelay(ctx context.Context, agentID uuid.UUID) {
	if s.opts.RelayURL == "" {
		return
	}
	if err := s.ws.ClearAgentRelay(ctx, agentID, s.opts.RelayURL); err != nil {
		s.logger.Warn("clear agent relay", "agent_id", agentID, "error", err)
	}
}

// dialAgent opens a stream to an agent: directly when it is connected to
// this process, through the process it is connected to otherwise.
func (s *Server) dialAgent(ctx context.Context, id uuid.UUID) (io.ReadWriteCloser, error) {
	if sess := s.agents.get(id); sess != nil {
		return sess.Open()
	}
	target, err := s.ws.GetAgentRelay(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && target == s.opts.RelayURL) || s.opts.RelayAuth == nil {
		return nil, errAgentNotConnected
	}
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	nonce := uuid.NewString()
	h := http.Header{}
	h.Set(relayTimeHeader, strconv.FormatInt(now, 10))
	h.Set(relayNonceHeader, nonce)
	h.Set(relayMACHeader, hex.EncodeToString(s.opts.RelayAuth.MAC(relayMessage(id, now, nonce))))
	u := strings.Replace(strings.TrimRight(target, "/"), "http", "ws", 1) + "/api/v2/internal/relay/agents/" + id.String()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if res != nil && res.StatusCode == http.StatusBadGateway {
			return nil, errAgentNotConnected
		}
		return nil, fmt.Errorf("relay through %s: %w", target, err)
	}
	c.SetReadLimit(-1)
	return websocket.NetConn(s.baseCtx(nil), c, websocket.MessageBinary), nil
}

// relayAgent is the internal route another process uses to reach an agent
// connected here.
func (s *Server) relayAgent(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("agent"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Agent id must be a UUID.")
		return
	}
	unix, err := strconv.ParseInt(r.Header.Get(relayTimeHeader), 10, 64)
	nonce := r.Header.Get(relayNonceHeader)
	mac, herr := hex.DecodeString(r.Header.Get(relayMACHeader))
	now := s.now()
	skew := time.Duration(now.Unix()-unix) * time.Second
	if err != nil || herr != nil || nonce == "" || skew > relayMaxSkew || skew < -relayMaxSkew || s.opts.RelayAuth == nil ||
		!s.opts.RelayAuth.VerifyMAC(relayMessage(id, unix, nonce), mac) {
		writeError(w, http.StatusForbidden, "Relay requests come only from server processes that share this server's keys.")
		return
	}
	if !s.relayNonces.use(nonce, now, now.Add(2*relayMaxSkew)) {
		writeError(w, http.StatusForbidden, "This relay request was already used.")
		return
	}
	sess := s.agents.get(id)
	if sess == nil {
		writeError(w, http.StatusBadGateway, "The agent is not connected to this server.")
		return
	}
	stream, err := sess.Open()
	if err != nil {
		writeError(w, http.StatusBadGateway, "The agent's connection closed.")
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		stream.Close()
		return
	}
	c.SetReadLimit(-1)
	ctx, cancel := context.WithCancel(s.baseCtx(r))
	defer cancel()
	pipe(websocket.NetConn(ctx, c, websocket.MessageBinary), stream)
}
