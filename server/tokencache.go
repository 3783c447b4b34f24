package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// The verified-token cache (issue 17). A session or API token's row (the
// key, its user, the user's secrets generation: store.APIKeyAuth) is read
// once and kept in this process, so that an authenticated request makes no
// database round trip of its own. The token's secret is still compared
// with the kept hash, and its expiry checked, on every request.
//
// A change that the row reflects empties it in every process before the
// change is answered:
//
//   - a logout (its key), and any write to a user's secrets (the user's
//     keys: their secrets generation moved; see secretmetacache.go);
//   - here at once, and in every other process through store.Peers
//     (PostgreSQL's LISTEN/NOTIFY under leases, pgstore/peers.go), which
//     waits until each has emptied it or can no longer read it.
//
// So a logged-out token is refused, and a changed secret is in the answer,
// on the very next request to any process. The cache is read only while
// this process is sure to have heard every change: while its Peers are
// live (on SQLite, one server process per file, always), never where the
// store cannot link processes (a store that hides store.PeerJoiner). A read from the database that a change
// overtook is not kept (epoch), and an entry is read again after
// tokenCacheTTL anyway: the bound on staleness should a broadcast fail.
//
// Users are never changed nor deleted by the server (store.Store has no
// such method); a method that does must empty their keys here too.

const (
	tokenCacheEntries = 16384
	tokenCacheTTL     = 10 * time.Second
	// broadcastTimeout bounds a change's wait for the other processes
	// (their leases are far shorter).
	broadcastTimeout = 15 * time.Second
)

// cachedToken is one verified key's row and when it was read.
type cachedToken struct {
	auth store.APIKeyAuth
	read time.Time
}

type tokenCache struct {
	// live reports whether the cache may be read and filled; nil: never.
	live  func() bool
	peers store.Peers // nil when this process is the only one
	now   func() time.Time

	mu sync.Mutex
	// epoch moves with every change heard: a row read before it is not kept.
	epoch uint64
	byKey lruMap[string, cachedToken]
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{now: now, byKey: newLRUMap[string, cachedToken](tokenCacheEntries, tokenCacheEntries, nil)}
}

func (c *tokenCache) usable() bool { return c.live != nil && c.live() }

// get returns the key id's row if it is kept and fresh.
func (c *tokenCache) get(id string) (store.APIKeyAuth, bool) {
	if !c.usable() {
		return store.APIKeyAuth{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey.peek(id)
	if !ok {
		return store.APIKeyAuth{}, false
	}
	if c.now().Sub(e.read) >= tokenCacheTTL {
		c.byKey.remove(id)
		return store.APIKeyAuth{}, false
	}
	c.byKey.use(id)
	return e.auth, true
}

// at returns the epoch to give put with a row read from now on.
func (c *tokenCache) at() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put keeps a's row, read after at returned epoch, unless a change was
// heard since.
func (c *tokenCache) put(epoch uint64, read time.Time, a store.APIKeyAuth) {
	if !c.usable() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	c.byKey.put(a.Key.ID, cachedToken{auth: a, read: read}, 1)
}

// Messages between processes: "key <id>" or "user <uuid>".
const (
	forgetKey  = "key "
	forgetUser = "user "
)

// forget drops what msg names; a message it cannot read drops everything.
func (c *tokenCache) forget(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if id, ok := strings.CutPrefix(msg, forgetKey); ok {
		c.byKey.remove(id)
		return
	}
	if u, ok := strings.CutPrefix(msg, forgetUser); ok {
		if id, err := uuid.Parse(u); err == nil {
			c.byKey.removeIf(func(e cachedToken) bool { return e.auth.User.ID == id })
			return
		}
	}
	c.byKey.removeIf(func(cachedToken) bool { return true })
}

// reset drops everything (store.PeerHandlers.Reset).
func (c *tokenCache) reset() { c.forget("") }

// setupTokenCache turns the cache on where the store links the server
// processes (store.PeerJoiner), else leaves it off.
func (s *Server) setupTokenCache(ctx context.Context) error {
	s.tokens = newTokenCache(s.now)
	j, ok := s.store.(store.PeerJoiner)
	if !ok {
		return nil
	}
	p, err := j.JoinPeers(ctx, store.PeerHandlers{
		Message: s.tokens.forget,
		Reset:   s.tokens.reset,
		Error:   func(err error) { s.logger.Warn("verified-token cache: server processes", "error", err) },
	})
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("link the server processes: %w", err)
	}
	s.tokens.peers, s.tokens.live = p, p.Live
	return nil
}

// forgetTokens empties, in every process, the cached rows that a committed
// change made stale (msg: forgetKey or forgetUser and the id). It returns
// once every process has, whatever ctx says (the change is made: it must
// not be cut short by a client that went away).
func (s *Server) forgetTokens(ctx context.Context, msg string) error {
	s.tokens.forget(msg)
	if s.tokens.peers == nil {
		return nil // the cache is off
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), broadcastTimeout)
	defer cancel()
	var err error
	for range 3 {
		if err = s.tokens.peers.Broadcast(ctx, msg); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("tell the other server processes: %w", err)
	}
	return nil
}

// forgetUserTokens is forgetTokens after a write to the user's secrets:
// a failure is logged (the other processes see it within tokenCacheTTL),
// since the write itself is made.
func (s *Server) forgetUserTokens(ctx context.Context, user uuid.UUID) {
	if err := s.forgetTokens(ctx, forgetUser+user.String()); err != nil {
		s.logger.Error("a secret write may be seen late by other server processes", "user_id", user, "error", err)
	}
}

// WaitLinked waits until this process may read its verified-token cache
// (its Peers are live), or ctx ends; it returns at once if the cache is
// off. Tests call it so that what they count does not depend on timing.
func (s *Server) WaitLinked(ctx context.Context) error {
	if s.tokens.peers == nil {
		return nil
	}
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !s.tokens.usable() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
