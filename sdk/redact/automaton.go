package redact

// automaton finds every value in one pass over a view of the text (Aho and
// Corasick's algorithm), however the values overlap or repeat themselves:
// the time is linear in the text, never the text times a value.
type automaton struct {
	next    map[uint64]int32 // node<<32 | character -> child
	fail    []int32          // the longest proper suffix that is a node
	depth   []int32          // characters from the root
	longest []int32          // the longest value ending here (through fail), 0 if none
	kids    []bool           // the node has children: a value can go on
}

func key(node int32, c rune) uint64 { return uint64(node)<<32 | uint64(uint32(c)) }

func newAutomaton(needles [][]rune) *automaton {
	a := &automaton{next: map[uint64]int32{}, fail: []int32{0}, depth: []int32{0}, longest: []int32{0}, kids: []bool{false}}
	parent, via := []int32{0}, []rune{0}
	for _, n := range needles {
		var node int32
		for _, c := range n {
			child, ok := a.next[key(node, c)]
			if !ok {
				child = int32(len(a.depth))
				a.next[key(node, c)] = child
				a.fail = append(a.fail, 0)
				a.depth = append(a.depth, a.depth[node]+1)
				a.longest = append(a.longest, 0)
				a.kids = append(a.kids, false)
				a.kids[node] = true
				parent, via = append(parent, node), append(via, c)
			}
			node = child
		}
		a.longest[node] = int32(len(n))
	}
	// Fail links in order of depth: a node's fail link is shallower.
	byDepth := make([][]int32, 0)
	for v := int32(1); v < int32(len(a.depth)); v++ {
		d := a.depth[v]
		for int(d) >= len(byDepth) {
			byDepth = append(byDepth, nil)
		}
		byDepth[d] = append(byDepth[d], v)
	}
	for _, level := range byDepth {
		for _, v := range level {
			if u := parent[v]; u != 0 {
				a.fail[v] = a.step(a.fail[u], via[v])
			}
			if a.longest[v] == 0 {
				a.longest[v] = a.longest[a.fail[v]]
			}
		}
	}
	return a
}

// step is the node after reading c in node s.
func (a *automaton) step(s int32, c rune) int32 {
	for {
		if n, ok := a.next[key(s, c)]; ok {
			return n
		}
		if s == 0 {
			return 0
		}
		s = a.fail[s]
	}
}

// find reports the spans of the values in view c, and where a value may
// begin that runs to the end of c (-1: nowhere).
func (a *automaton) find(c []unit) (full []span, partialAt int) {
	var s int32
	for i := range c {
		s = a.step(s, c[i].r)
		if l := a.longest[s]; l > 0 {
			full = append(full, span{c[i-int(l)+1].start, c[i].end})
		}
	}
	// The deepest node that can go on is the earliest possible beginning.
	for s != 0 && !a.kids[s] {
		s = a.fail[s]
	}
	if s == 0 {
		return full, -1
	}
	return full, len(c) - int(a.depth[s])
}
