package server

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

// TestLRUMap: values beyond either limit are dropped least recently used
// first (use counts, peek does not); a replaced, evicted or removed value
// goes through onDrop once; a value larger than the byte budget is not
// kept and leaves the id's old value in place.
func TestLRUMap(t *testing.T) {
	var dropped []string
	m := newLRUMap[uuid.UUID](3, 100, func(v string) { dropped = append(dropped, v) })
	a, b, c, d := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	m.put(a, "a", 10)
	m.put(b, "b", 10)
	m.put(c, "c", 10)
	m.use(a)  // b is now the least recently used
	m.peek(b) // a peek does not change that
	m.put(d, "d", 10)
	if _, ok := m.peek(b); ok || !slices.Equal(dropped, []string{"b"}) {
		t.Fatalf("a fourth value with a limit of 3: dropped %v, b still held %v; want b dropped", dropped, ok)
	}
	m.put(a, "a2", 10) // replaced
	if v, _ := m.peek(a); v != "a2" || !slices.Equal(dropped, []string{"b", "a"}) {
		t.Fatalf("replacing a: holds %q, dropped %v", v, dropped)
	}
	m.put(c, "too big", 101)
	if v, _ := m.peek(c); v != "c" || len(dropped) != 2 {
		t.Fatalf("a value over the byte budget: c holds %q, dropped %v; want c kept", v, dropped)
	}
	m.put(c, "c2", 85) // 10 (d) + 10 (a2) + 85 > 100: the least recent, d, goes
	if _, ok := m.peek(d); ok || m.bytes != 95 || m.len() != 2 {
		t.Fatalf("over the byte budget: d held %v, %d bytes in %d values; want d dropped, 95 bytes in 2", ok, m.bytes, m.len())
	}
	m.remove(a)
	m.remove(a) // a second remove does nothing
	if !slices.Equal(dropped, []string{"b", "a", "c", "d", "a2"}) || m.len() != 1 || m.bytes != 85 {
		t.Fatalf("dropped %v, %d values, %d bytes", dropped, m.len(), m.bytes)
	}
}
