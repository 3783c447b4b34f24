package agentconn

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
func (h *Hub) registerRelay(ctx context.Context, agentID uuid.UUID) {
	if h.o.RelayURL == "" {
		return
	}
	if err := h.o.Store.SetAgentRelay(ctx, agentID, h.o.RelayURL, h.o.Now().UTC()); err != nil {
		h.o.Logger.Warn("record agent relay", "agent_id", agentID, "error", err)
	}
}

func (h *Hub) unregisterRelay(ctx context.Context, agentID uuid.UUID) {
	if h.o.RelayURL == "" {
		return
	}
	if err := h.o.Store.ClearAgentRelay(ctx, agentID, h.o.RelayURL); err != nil {
		h.o.Logger.Warn("clear agent relay", "agent_id", agentID, "error", err)
	}
}

// RelayPath is the internal route another process opens to reach an
// agent connected here (the agent's id follows).
const RelayPath = "/api/v2/internal/relay/agents/"

// Dial opens a stream to an agent: directly when it is connected to this
// process, through the process it is connected to otherwise (RelayPath).
func (h *Hub) Dial(ctx context.Context, id uuid.UUID) (io.ReadWriteCloser, error) {
	if sess := h.get(id); sess != nil {
		return sess.Open()
	}
	target, err := h.o.Store.GetAgentRelay(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && target == h.o.RelayURL) || h.o.RelayAuth == nil {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	now := h.o.Now().Unix()
	nonce := uuid.NewString()
	hdr := http.Header{}
	hdr.Set(relayTimeHeader, strconv.FormatInt(now, 10))
	hdr.Set(relayNonceHeader, nonce)
	hdr.Set(relayMACHeader, hex.EncodeToString(h.o.RelayAuth.MAC(relayMessage(id, now, nonce))))
	u := strings.Replace(strings.TrimRight(target, "/"), "http", "ws", 1) + RelayPath + id.String()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPHeader: hdr, HTTPClient: h.o.RelayClient})
	if err != nil {
		if res != nil && res.StatusCode == http.StatusBadGateway {
			return nil, ErrNotConnected
		}
		return nil, fmt.Errorf("relay through %s: %w", target, err)
	}
	c.SetReadLimit(-1)
	return websocket.NetConn(h.o.BaseContext(), c, websocket.MessageBinary), nil
}

// Why a relay request is refused.
var (
	ErrRelayForbidden = errors.New("relay request not from a server process sharing the keys")
	ErrRelayReplayed  = errors.New("relay request already used")
)

// CheckRelay checks the headers of a relay request for the agent: a MAC
// under the shared keys over a recent time and a nonce not used before.
func (h *Hub) CheckRelay(id uuid.UUID, hdr http.Header) error {
	unix, err := strconv.ParseInt(hdr.Get(relayTimeHeader), 10, 64)
	nonce := hdr.Get(relayNonceHeader)
	mac, herr := hex.DecodeString(hdr.Get(relayMACHeader))
	now := h.o.Now()
	skew := time.Duration(now.Unix()-unix) * time.Second
	if err != nil || herr != nil || nonce == "" || skew > relayMaxSkew || skew < -relayMaxSkew || h.o.RelayAuth == nil ||
		!h.o.RelayAuth.VerifyMAC(relayMessage(id, unix, nonce), mac) {
		return ErrRelayForbidden
	}
	if !h.nonces.use(nonce, now, now.Add(2*relayMaxSkew)) {
		return ErrRelayReplayed
	}
	return nil
}
