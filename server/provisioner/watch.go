package provisioner

import (
	"sync"

	"github.com/google/uuid"
)

// Build watches: a follower of a build's log (the log route with
// ?follow=true) waits on WatchBuild's channel, which this process closes
// when it stores log lines of the build or records its result, so the
// follower reads them at once instead of at its next poll. A build run by
// another server process never closes it: the follower's poll still sees
// that build.

// watches holds one channel per watched build.
type watches struct {
	mu sync.Mutex
	m  map[uuid.UUID]*watch
}

type watch struct {
	ch   chan struct{}
	refs int
}

// WatchBuild returns a channel closed at the build's next change made by
// this process (log lines stored, result recorded), and a release to call
// once done waiting. Take it before reading the build, so that no change
// between the read and the wait is missed.
func (p *Provisioner) WatchBuild(id uuid.UUID) (<-chan struct{}, func()) {
	if p == nil {
		return nil, func() {}
	}
	w := &p.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[uuid.UUID]*watch)
	}
	e := w.m[id]
	if e == nil {
		e = &watch{ch: make(chan struct{})}
		w.m[id] = e
	}
	e.refs++
	var once sync.Once
	return e.ch, func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			e.refs--
			if e.refs == 0 && w.m[id] == e {
				delete(w.m, id)
			}
		})
	}
}

// NotifyBuild wakes the build's watchers.
func (p *Provisioner) NotifyBuild(id uuid.UUID) {
	if p == nil {
		return
	}
	w := &p.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.m[id]; e != nil {
		close(e.ch)
		delete(w.m, id)
	}
}
