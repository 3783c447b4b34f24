// Package loginthrottle slows password guessing down: it counts failed
// logins per key (an account, a client address) and, past a number of free
// failures, makes the key wait before its next attempt, twice as long after
// each further failure, up to a bound. A key that stays quiet long enough is
// forgotten. It keeps its counts in memory: each server process throttles
// on its own.
package loginthrottle

import (
	"slices"
	"sync"
	"time"
)

// Policy says how a Throttle counts.
type Policy struct {
	// Free is how many failures in a row a key may have before it must wait.
	Free int
	// Base is the first wait; each further failure doubles it, up to Max.
	Base, Max time.Duration
	// Forget is how long after its last failure (and the end of its wait) a
	// key's count is dropped.
	Forget time.Duration
	// MaxKeys bounds the memory: when more keys are counted, forgotten ones
	// are dropped first, then the ones whose last failure is oldest.
	MaxKeys int
}

// Throttle counts failures per key. It is safe for concurrent use.
type Throttle struct {
	policy Policy
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	failures    int
	last        time.Time // the last failure
	lockedUntil time.Time
}

// New returns a Throttle that reads the time from now (nil: time.Now).
func New(p Policy, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	if p.MaxKeys <= 0 {
		p.MaxKeys = 100_000
	}
	return &Throttle{policy: p, now: now, entries: map[string]*entry{}}
}

// Wait returns how long key must wait before its next attempt; 0 means it
// may try now.
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e := t.entries[key]
	if e == nil {
		return 0
	}
	if t.forgotten(e, now) {
		delete(t.entries, key)
		return 0
	}
	if d := e.lockedUntil.Sub(now); d > 0 {
		return d
	}
	return 0
}

// Fail records a failed attempt of key and returns how long key must now
// wait (0 while it has free failures left).
func (t *Throttle) Fail(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e := t.entries[key]
	if e != nil && t.forgotten(e, now) {
		e = nil
	}
	if e == nil {
		if len(t.entries) >= t.policy.MaxKeys {
			t.prune(now)
		}
		e = &entry{}
		t.entries[key] = e
	}
	e.failures++
	e.last = now
	over := e.failures - t.policy.Free
	if over <= 0 {
		return 0
	}
	wait := t.policy.Base
	for i := 1; i < over && wait < t.policy.Max; i++ {
		wait *= 2
	}
	wait = min(wait, t.policy.Max)
	e.lockedUntil = now.Add(wait)
	return wait
}

// Succeed forgets key's failures.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

func (t *Throttle) forgotten(e *entry, now time.Time) bool {
	return !now.Before(e.lockedUntil) && now.Sub(e.last) >= t.policy.Forget
}

// prune drops forgotten keys and, if that is not enough, the half whose
// last failure is oldest. Called with mu held.
func (t *Throttle) prune(now time.Time) {
	for k, e := range t.entries {
		if t.forgotten(e, now) {
			delete(t.entries, k)
		}
	}
	if len(t.entries) < t.policy.MaxKeys {
		return
	}
	// Still full: drop every key older than the median last failure.
	times := make([]time.Time, 0, len(t.entries))
	for _, e := range t.entries {
		times = append(times, e.last)
	}
	cut := median(times)
	for k, e := range t.entries {
		if !e.last.After(cut) && now.After(e.lockedUntil) {
			delete(t.entries, k)
		}
	}
	for k := range t.entries { // everyone is locked: make room anyway
		if len(t.entries) < t.policy.MaxKeys {
			break
		}
		delete(t.entries, k)
	}
}

// median returns a time at or above half of ts (ts is reordered).
func median(ts []time.Time) time.Time {
	slices.SortFunc(ts, time.Time.Compare)
	return ts[len(ts)/2]
}

// Len returns how many keys are counted (for tests and metrics).
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
