package server

import (
	"container/list"
)

// lruMap holds values by id, the least recently used dropped first once
// it holds more than maxEntries values or more than maxBytes of their
// sizes (as put was told them). The two caches of this package
// (manifestcache.go, secretmetacache.go, tokencache.go) keep one each, under their own
// lock: lruMap itself is not safe for concurrent use.
type lruMap[K comparable, V any] struct {
	byID                 map[K]*list.Element // each of an *lruEntry[K, V]
	order                *list.List          // most recent first
	bytes                int
	maxEntries, maxBytes int
	// onDrop, if set, is called with each value that leaves the map (by
	// eviction, replacement or remove).
	onDrop func(V)
}

type lruEntry[K comparable, V any] struct {
	id   K
	v    V
	size int
}

func newLRUMap[K comparable, V any](maxEntries, maxBytes int, onDrop func(V)) lruMap[K, V] {
	return lruMap[K, V]{byID: map[K]*list.Element{}, order: list.New(), maxEntries: maxEntries, maxBytes: maxBytes, onDrop: onDrop}
}

// peek returns id's value without counting it as used.
func (m *lruMap[K, V]) peek(id K) (V, bool) {
	if el := m.byID[id]; el != nil {
		return el.Value.(*lruEntry[K, V]).v, true
	}
	var zero V
	return zero, false
}

// use marks id's value as the most recently used.
func (m *lruMap[K, V]) use(id K) {
	if el := m.byID[id]; el != nil {
		m.order.MoveToFront(el)
	}
}

// fits reports whether a value of size could be kept at all.
func (m *lruMap[K, V]) fits(size int) bool { return size <= m.maxBytes }

// put keeps v as id's value (dropping the one it had), then drops the
// least recently used values until the map is within its limits. A value
// that does not fit is not kept (and id's old value stays).
func (m *lruMap[K, V]) put(id K, v V, size int) {
	if !m.fits(size) {
		return
	}
	m.remove(id)
	m.byID[id] = m.order.PushFront(&lruEntry[K, V]{id: id, v: v, size: size})
	m.bytes += size
	for m.order.Len() > m.maxEntries || m.bytes > m.maxBytes {
		m.remove(m.order.Back().Value.(*lruEntry[K, V]).id)
	}
}

// remove drops id's value, if any.
func (m *lruMap[K, V]) remove(id K) {
	el := m.byID[id]
	if el == nil {
		return
	}
	e := el.Value.(*lruEntry[K, V])
	m.order.Remove(el)
	delete(m.byID, id)
	m.bytes -= e.size
	if m.onDrop != nil {
		m.onDrop(e.v)
	}
}

// len is the number of values held.
func (m *lruMap[K, V]) len() int { return m.order.Len() }

// removeIf drops every value f reports true for.
func (m *lruMap[K, V]) removeIf(f func(V) bool) {
	for el := m.order.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*lruEntry[K, V]); f(e.v) {
			m.remove(e.id)
		}
		el = next
	}
}
