package sqlstore

import (
	"context"
	"sync"

	"github.com/usersecrets/coder/server/store"
)

// localPeers links the servers of one process that share a Store
// (Store.JoinPeers where the database cannot): they are always live, and a
// broadcast runs every other one's handler before it returns.
type localPeers struct {
	mu      sync.Mutex
	members map[*localPeer]struct{}
}

type localPeer struct {
	all *localPeers
	h   store.PeerHandlers
	mu  sync.Mutex // one message at a time, as store.PeerHandlers says
}

func (l *localPeers) join(h store.PeerHandlers) *localPeer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.members == nil {
		l.members = map[*localPeer]struct{}{}
	}
	p := &localPeer{all: l, h: h}
	l.members[p] = struct{}{}
	return p
}

func (p *localPeer) Live() bool { return true }

func (p *localPeer) Broadcast(_ context.Context, msg string) error {
	p.all.mu.Lock()
	others := make([]*localPeer, 0, len(p.all.members))
	for m := range p.all.members {
		if m != p {
			others = append(others, m)
		}
	}
	p.all.mu.Unlock()
	for _, m := range others {
		m.mu.Lock()
		m.h.Message(msg)
		m.mu.Unlock()
	}
	return nil
}

func (p *localPeer) Close() error {
	p.all.mu.Lock()
	defer p.all.mu.Unlock()
	delete(p.all.members, p)
	return nil
}
