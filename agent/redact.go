package agent

import (
	"sort"
	"strings"
	"sync"

	"github.com/usersecrets/coder/sdk"
)

// redactor replaces secret values in script output with sdk.Redacted. It
// remembers every value it was given for the life of the agent process, so
// output of a script that still holds an old value is redacted too.
type redactor struct {
	mu     sync.RWMutex
	seen   map[string]bool
	values []string // longest first
}

func newRedactor() *redactor { return &redactor{seen: map[string]bool{}} }

// add learns the values of secrets: each whole value, and each line of a
// multi-line value (output is redacted line by line, so a multi-line value
// never appears whole in one line). Blank lines are not learnt.
func (r *redactor) add(secrets []sdk.WorkspaceSecret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	learn := func(v string) {
		if strings.TrimSpace(v) == "" || r.seen[v] {
			return
		}
		r.seen[v] = true
		r.values = append(r.values, v)
	}
	for _, s := range secrets {
		v := s.Value.Reveal()
		learn(v)
		for _, line := range strings.Split(v, "\n") {
			learn(strings.TrimSuffix(line, "\r"))
		}
	}
	sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
}

// redact returns s with every known value replaced.
func (r *redactor) redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, sdk.Redacted)
		}
	}
	return s
}
