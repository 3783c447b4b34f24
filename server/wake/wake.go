// Package wake lets a request wait for the next change of something this
// process changes (a build's log, an agent's state): a waiter takes a
// channel for an id before it reads the thing, and whoever changes it
// closes that channel, so the waiter reads again at once instead of at its
// next poll. A change made by another server process closes nothing: the
// waiters keep a poll for those.
package wake

import (
	"sync"

	"github.com/google/uuid"
)

// Set holds one channel per watched id. Its zero value is ready to use.
type Set struct {
	mu sync.Mutex
	m  map[uuid.UUID]*watch
}

type watch struct {
	ch   chan struct{}
	refs int
}

// Watch returns a channel closed at the id's next Notify, and a release to
// call once done waiting. Take it before reading what id names, so that no
// change between the read and the wait is missed.
func (s *Set) Watch(id uuid.UUID) (<-chan struct{}, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[uuid.UUID]*watch)
	}
	e := s.m[id]
	if e == nil {
		e = &watch{ch: make(chan struct{})}
		s.m[id] = e
	}
	e.refs++
	var once sync.Once
	return e.ch, func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			e.refs--
			if e.refs == 0 && s.m[id] == e {
				delete(s.m, id)
			}
		})
	}
}

// Notify wakes the id's waiters.
func (s *Set) Notify(id uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[id]; e != nil {
		close(e.ch)
		delete(s.m, id)
	}
}

// Len is the number of ids watched now.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
